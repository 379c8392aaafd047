// One migrated database per test run: a fresh PostgreSQL schema when DATABASE_URL is set, else a
// migrated snapshot of the embedded engine that each test file loads (≈1 s instead of initdb).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openEmbedded, openPostgres } from '@slotkeeper/api/database';
import { migrate } from '@slotkeeper/api/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | null;
    pgliteSnapshot: string | null;
    /** Base64 key-encryption key shared by every test file (they share the signing keys on PostgreSQL). */
    keyEncryptionKey: string;
  }
}

export default async function setup(project: TestProject) {
  project.provide('keyEncryptionKey', randomBytes(32).toString('base64'));
  const base = process.env.DATABASE_URL;
  if (base) {
    const schema = `sk_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const url = new URL(base);
    url.searchParams.set('schema', schema);
    const db = await openPostgres(url.toString(), 2);
    await migrate(db);
    await db.close();
    project.provide('databaseUrl', url.toString());
    project.provide('pgliteSnapshot', null);
    console.log(`tests use PostgreSQL schema ${schema}`);
    return async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
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
  project.provide('databaseUrl', null);
  project.provide('pgliteSnapshot', file);
  console.log('tests use the embedded database');
  return () => rmSync(dir, { recursive: true, force: true });
}
