// One migrated database per test worker: a fresh PostgreSQL schema each when DATABASE_URL is set, else a
// migrated snapshot of the embedded engine that each test file loads (≈1 s instead of initdb).
// Every app the tests start logs into the run's log folder; at the end no line may hold a secret.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openEmbedded, openPostgres } from '@slotkeeper/api/database';
import { migrate } from '@slotkeeper/api/migrate';
import { assertLogsClean } from './log-check.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One migrated PostgreSQL schema per test worker (null: embedded); read with workerDatabaseUrl(). */
    databaseUrls: string[] | null;
    pgliteSnapshot: string | null;
    /** Base64 key-encryption key shared by every test file (they share the signing keys on PostgreSQL). */
    keyEncryptionKey: string;
    /** The folder where every test app writes its log (one file each); checked for secrets at the end. */
    logDir: string;
  }
}

export default async function setup(project: TestProject) {
  // Processes the tests start run the compiled server and CLI (scripts/api-process.ts): build them
  // when the sources changed since the last build (a no-op otherwise).
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  project.provide('keyEncryptionKey', randomBytes(32).toString('base64'));
  const logDir = mkdtempSync(join(tmpdir(), 'slotkeeper-logs-'));
  project.provide('logDir', logDir);
  // Runs last in each teardown. vitest only prints an error a teardown throws and still exits 0, so a
  // leak sets the exit code itself (and keeps the folder to read).
  const checkLogs = () => {
    try {
      const { files, lines } = assertLogsClean(logDir);
      console.log(`logs: ${lines} lines in ${files} files, no secrets`);
      rmSync(logDir, { recursive: true, force: true });
    } catch (error) {
      console.error((error as Error).message);
      process.exitCode = 1;
    }
  };
  const base = process.env.DATABASE_URL;
  if (base) {
    // One schema per worker: files that run at the same time must not meet each other's rows
    // (another file's mail worker claiming this file's mail, its sweeper releasing these slots).
    const workers = Math.max(1, project.config.maxWorkers || project.vitest.config.maxWorkers || 1);
    const run = `sk_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const schemas = Array.from({ length: workers }, (_, i) => `${run}_w${i + 1}`);
    const urls = await Promise.all(
      schemas.map(async (schema) => {
        const url = new URL(base);
        url.searchParams.set('schema', schema);
        const db = await openPostgres(url.toString(), 2);
        await migrate(db);
        await db.close();
        return url.toString();
      }),
    );
    project.provide('databaseUrls', urls);
    project.provide('pgliteSnapshot', null);
    console.log(`tests use PostgreSQL schemas ${schemas.join(', ')} (one per worker)`);
    return async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
      checkLogs();
    };
  }
  const pglite = new PGlite();
  const db = await openEmbedded({ pglite });
  await migrate(db);
  const snapshot = await pglite.dumpDataDir('none');
  await db.close();
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-test-'));
  const file = join(dir, 'migrated.tar');
  writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
  project.provide('databaseUrls', null);
  project.provide('pgliteSnapshot', file);
  console.log('tests use the embedded database');
  return () => {
    rmSync(dir, { recursive: true, force: true });
    checkLogs();
  };
}
