// Drift between prisma/schema.prisma and prisma/migrations (issue 15): Prisma's own schema engine,
// in its WebAssembly build (the native one is downloaded from Prisma's host, unreachable here),
// writes the SQL that creates schema.prisma from nothing, as `prisma migrate diff --from-empty
// --to-schema --script` does; that SQL and the migrations are each applied to a fresh database —
// a new schema on the run's PostgreSQL (DATABASE_URL), else a new embedded database — and the two
// catalogs compared.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { readMigrations } from '@slotkeeper/api/migrate';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { expect, inject, it } from 'vitest';
import { workerDatabaseUrl } from './support/database-url.ts';

const SCHEMA = readFileSync(new URL('../prisma/schema.prisma', import.meta.url), 'utf8');

// What the migrations hold on purpose and Prisma's schema language cannot say: at most one *live*
// activation per (license, fingerprint) — a unique index on the rows not released (DESIGN.md).
const INTENDED = [
  'index Activation.Activation_live_fingerprint_key: CREATE UNIQUE INDEX "Activation_live_fingerprint_key" ON public."Activation" USING btree ("licenseId", "fingerprintHash") WHERE ("releasedAt" IS NULL)',
  // Reseller names unique whatever their case: Prisma's schema language has no expression index.
  'index Reseller.Reseller_name_lower_key: CREATE UNIQUE INDEX "Reseller_name_lower_key" ON public."Reseller" USING btree (lower(name))',
];

// The package's entry imports its .wasm as an ES module, which Node 20 cannot; its glue is loaded
// here instead, as its generated bindings expect.
async function schemaEngineModule() {
  const dir = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm').replace(/schema_engine\.js$/, '');
  const bindings = await import(`${dir}schema_engine_bg.js`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${dir}schema_engine_bg.wasm`)), {
    './schema_engine_bg.js': bindings,
  });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return bindings;
}
const engineModule = schemaEngineModule();

/** `prisma migrate diff --from-empty --to-schema <schema> --script`, by Prisma's schema engine. */
async function sqlForSchema(schema: string): Promise<string> {
  const { SchemaEngine } = await engineModule;
  const files = [{ path: 'schema.prisma', content: schema }];
  // The engine wants a connection even for a diff from nothing; it gets a scratch embedded database.
  const scratch = new PGlite();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(scratch));
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
  try {
    const diff = await engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return diff.stdout ?? '';
  } finally {
    engine.free();
    await scratch.close();
  }
}

interface FreshDatabase {
  /** The schema the SQL lands in. */
  schema: string;
  exec(sql: string): Promise<void>;
  lines(query: string): Promise<string[]>;
  close(): Promise<void>;
}

async function freshDatabase(): Promise<FreshDatabase> {
  if (workerDatabaseUrl()) {
    const url = new URL(workerDatabaseUrl()!);
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const schema = `drift_${randomBytes(6).toString('hex')}`;
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    return {
      schema,
      exec: async (sql) => void (await client.query(sql)),
      lines: async (query) => (await client.query<{ line: string }>(query)).rows.map((row) => row.line),
      async close() {
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const db = new PGlite();
  return {
    schema: 'public',
    exec: async (sql) => void (await db.exec(sql)),
    lines: async (query) => (await db.query<{ line: string }>(query)).rows.map((row) => row.line),
    close: () => db.close(),
  };
}

/** Every table, column, enum, index and constraint of the SQL's schema, one line each. */
async function catalog(sql: string): Promise<string[]> {
  const db = await freshDatabase();
  try {
    await db.exec(sql);
    const schema = `'${db.schema}'`;
    const lines = [
      ...(await db.lines(`SELECT 'table ' || table_name AS line FROM information_schema.tables WHERE table_schema = ${schema}`)),
      ...(await db.lines(`SELECT format('column %s.%s: %s %s%s default %s', table_name, column_name,
          CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END,
          coalesce(character_maximum_length::text, numeric_precision::text || ',' || numeric_scale::text, datetime_precision::text, ''),
          CASE WHEN is_nullable = 'YES' THEN ' null' ELSE ' not null' END, coalesce(column_default, 'none')) AS line
        FROM information_schema.columns WHERE table_schema = ${schema}`)),
      ...(await db.lines(`SELECT format('enum %s: %s', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)) AS line
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = ${schema} GROUP BY t.typname`)),
      ...(await db.lines(`SELECT format('index %s.%s: %s', tablename, indexname, indexdef) AS line FROM pg_indexes WHERE schemaname = ${schema}`)),
      ...(await db.lines(`SELECT format('constraint %s.%s: %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS line
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = ${schema}`)),
    ];
    // Index definitions name their schema; the two databases' schemas differ on PostgreSQL.
    return lines.map((line) => line.replaceAll(`ON ${db.schema}.`, 'ON public.')).sort();
  } finally {
    await db.close();
  }
}

const migrationsCatalog = catalog(readMigrations().map((migration) => migration.sql).join('\n'));

async function drift(schema: string) {
  const [fromSchema, fromMigrations] = await Promise.all([sqlForSchema(schema).then(catalog), migrationsCatalog]);
  return {
    compared: new Set([...fromSchema, ...fromMigrations]).size,
    onlyInSchema: fromSchema.filter((line) => !fromMigrations.includes(line)),
    onlyInMigrations: fromMigrations.filter((line) => !fromSchema.includes(line)),
  };
}

it('schema.prisma and prisma/migrations describe the same database, but for the intended expression and partial unique indexes', async () => {
  const result = await drift(SCHEMA);
  const kinds = (await migrationsCatalog).reduce<Record<string, number>>((counts, line) => {
    const kind = line.split(' ')[0]!;
    counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  }, {});
  console.log(
    `prisma drift: ${result.compared} catalog entries compared (${Object.entries(kinds).map(([kind, n]) => `${n} ${kind === 'index' ? 'indexes' : `${kind}s`}`).join(', ')}); ` +
      `${result.onlyInSchema.length} only in schema.prisma, ${result.onlyInMigrations.length} only in the migrations (the intended ones: ${INTENDED.length})`,
  );
  expect(result.onlyInSchema).toEqual([]);
  expect(result.onlyInMigrations).toEqual(INTENDED);
});

it('fails when a copy of schema.prisma gains a column and changes a default that the migrations do not', async () => {
  const edited = SCHEMA.replace(/(model Customer \{\n)/, '$1  nickname String?\n')
    .replace('remoteReleasesPerYear Int       @default(3)', 'remoteReleasesPerYear Int       @default(5)');
  expect(edited).not.toBe(SCHEMA);
  const result = await drift(edited);
  console.log(`prisma drift on an edited copy: ${result.onlyInSchema.length} only in schema.prisma, ${result.onlyInMigrations.length} only in the migrations`);
  expect(result.onlyInSchema).toEqual(
    expect.arrayContaining([expect.stringMatching(/^column Customer\.nickname: text/), expect.stringMatching(/^column Product\.remoteReleasesPerYear: .* default 5$/)]),
  );
  expect(result.onlyInMigrations).toEqual(expect.arrayContaining([expect.stringMatching(/^column Product\.remoteReleasesPerYear: .* default 3$/)]));
});
