// The real server on the embedded database keeps what it writes to itself: after a fresh start every
// file under DATA_DIR is 0600 and every folder 0700 (the umask is 077), and the operator socket of a
// DATA_DIR too deep for a socket path lies in a private folder, not at a predictable /tmp path.
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { spawnTs } from '../scripts/api-process.ts';

const children = new Set<ChildProcess>();
const folders: string[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Starts main.ts on `dataDir` and resolves once it listens; the caller stops it. */
async function startServer(dataDir: string): Promise<ChildProcess> {
  const env = {
    ...process.env,
    DATABASE_URL: '',
    REDIS_URL: '',
    SMTP_URL: '',
    KEY_ENCRYPTION_KEY: '',
    NODE_ENV: '',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: 'modes@vendor.example',
    ADMIN_PASSWORD: 'Umask-Check-Secret-7q',
  };
  // A permissive umask in the parent: the server must not depend on the one it is started with.
  const previous = process.umask(0o000);
  const child = spawnTs('packages/api/src/main.ts', [], env);
  process.umask(previous);
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening within 180 s: ${out}`)), 90_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (/listening on http/.test(out)) (clearTimeout(timer), resolve());
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code}: ${out}`))));
  });
  return child;
}

async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Every entry under `folder` (itself included) whose permission bits allow more than its owner. */
function openToOthers(folder: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(folder);
  return found;
}

function countEntries(folder: string): number {
  return readdirSync(folder, { recursive: true }).length;
}

it('after a fresh start every file is 0600 and every folder 0700, the socket included', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-modes-'));
  folders.push(dataDir);
  const child = await startServer(join(dataDir, 'data'));
  const socket = (JSON.parse(readFileSync(join(dataDir, 'data', 'slotkeeper.lock'), 'utf8')) as { socket: string }).socket;
  expect(socket).toBe(join(dataDir, 'data', 'operator.sock'));
  expect(lstatSync(socket).isSocket()).toBe(true);
  const entries = countEntries(join(dataDir, 'data'));
  console.log(`file modes: ${entries} entries under DATA_DIR checked`);
  expect(entries).toBeGreaterThan(100);
  expect(openToOthers(join(dataDir, 'data'))).toEqual([]);
  await stop(child);
});

it('a DATA_DIR too deep for a socket path gets its socket in a private folder, recorded for the CLI', { timeout: 300_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'slotkeeper-modes-'));
  folders.push(base);
  const dataDir = join(base, 'a-rather-long-folder-name-for-the-data'.repeat(3));
  mkdirSync(dataDir);
  const child = await startServer(dataDir);
  const socket = (JSON.parse(readFileSync(join(dataDir, 'slotkeeper.lock'), 'utf8')) as { socket: string }).socket;
  expect(socket.startsWith(dataDir)).toBe(false);
  expect(lstatSync(socket).isSocket()).toBe(true);
  // The folder is new for this server and only its user may enter it or the socket.
  expect((lstatSync(dirname(socket)).mode & 0o777).toString(8)).toBe('700');
  expect(openToOthers(dirname(socket))).toEqual([]);
  expect(openToOthers(dataDir)).toEqual([]);
  // The path is not one another user could derive from DATA_DIR and take first.
  expect(dirname(socket)).not.toBe(tmpdir());
  await stop(child);
  expect(existsSync(dirname(socket))).toBe(false);
});
