import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Where the embedded database keeps its files inside DATA_DIR. */
export const embeddedDatabaseDir = (dataDir: string) => join(dataDir, 'pg');

/** PostgreSQL writes PG_VERSION when it creates a database folder (initdb): a folder without it holds none. */
export const hasEmbeddedDatabase = (dataDir: string) => existsSync(join(embeddedDatabaseDir(dataDir), 'PG_VERSION'));

export interface LockHolder {
  pid: number;
  role: 'server' | 'cli';
  /** The server's operator socket: the CLI sends its commands there while the server holds the folder. */
  socket?: string;
  startedAt: string;
}

export type LockResult = { acquired: true; release(): void } | { acquired: false; holder: LockHolder };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded database allows one process per data folder. Every Slotkeeper process that opens the
 * folder holds this lock file first; a lock left by a dead process is taken over.
 */
export function lockDataDir(dataDir: string, holder: Omit<LockHolder, 'pid' | 'startedAt'>): LockResult {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A folder made by an older version, or by hand, may be open to other users: it holds the database.
  chmodSync(dataDir, 0o700);
  const file = join(dataDir, 'slotkeeper.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ ...holder, pid: process.pid, startedAt: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { acquired: true, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let current: LockHolder | null = null;
      try {
        current = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
      } catch {
        // Written by a process that died mid-write, or removed meanwhile: treat as stale.
      }
      if (current && alive(current.pid) && current.pid !== process.pid) return { acquired: false, holder: current };
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${file}; remove it if no Slotkeeper process is running.`);
}

/**
 * Makes every file under the data folder 0600 and every folder 0700. The umask (077) covers what
 * Node creates, but PGlite's file system sets 0666 on the database files itself; the 0700 data
 * folder keeps the files it creates later out of other users' reach too.
 */
export function keepDataDirPrivate(dataDir: string): void {
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      if ((stat.mode & 0o077) !== 0) chmodSync(path, 0o700);
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o700);
  };
  walk(dataDir);
}
