import type { PGlite } from '@electric-sql/pglite';
import { PrismaClient } from '@slotkeeper/schema/generated/prisma/client';

/** Raw SQL beside Prisma: migrations (several statements at once) and health checks. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database {
  kind: 'embedded' | 'postgres';
  prisma: PrismaClient;
  /** PostgreSQL schema the tables live in. */
  schema: string;
  /** Runs `fn` on one connection that holds the migration lock (an advisory lock on PostgreSQL). */
  withMigrationSession<T>(fn: (sql: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const MIGRATION_LOCK = 72_707_369; // the advisory lock id Prisma Migrate uses

// PostgreSQL's default 128 MB of shared buffers is written whole at start inside PGlite's WebAssembly
// memory, so all of it stays resident (≈110 MB of the server's RSS); a licensing database's working
// set fits in far less, and pages beyond it are one file read away.
const EMBEDDED_SHARED_BUFFERS = '16MB';

// Each kind loads its own driver when it opens: a server on PostgreSQL holds no PGlite, an embedded
// one no pg.

/** The embedded engine: PostgreSQL (PGlite) in this process, its files in `dataDir`. */
export async function openEmbedded(source: { dataDir: string } | { pglite: PGlite }): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const pglite =
    'pglite' in source
      ? source.pglite
      : new PGlite(source.dataDir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`] });
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const session: SqlSession = {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
  };
  return {
    kind: 'embedded',
    prisma,
    schema: 'public',
    // One process, one connection: PGlite itself serializes everything.
    withMigrationSession: (fn) => fn(session),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/** PostgreSQL from a URL; `?schema=NAME` (Prisma's convention) selects the schema. */
export async function openPostgres(databaseUrl: string, poolSize = 10): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  const parsed = new URL(databaseUrl);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: poolSize,
    options: `-c search_path="${schema.replaceAll('"', '""')}"`,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema }) });
  return {
    kind: 'postgres',
    prisma,
    schema,
    async withMigrationSession(fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        try {
          return await fn({
            exec: async (sql) => void (await client.query(sql)),
            query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
          });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
