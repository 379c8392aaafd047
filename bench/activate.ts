// Activations per second through HTTP, next to the bcrypt ceiling they cannot pass.
//
//   pnpm bench:activate                         embedded database (PGlite in a temp folder)
//   DATABASE_URL=postgresql://… pnpm bench:activate   + PostgreSQL (a fresh schema, dropped at the end)
//
// BCRYPT_COST (12, as the server), BENCH_ACTIVATIONS (200), BENCH_CONCURRENCY (16), BENCH_SERIAL (10:
// activations one at a time after the concurrent run, for the latency of one activation on an idle
// server; at concurrency 16 the latencies are mostly queueing), BENCH_PGLITE=memory to run the
// embedded engine in memory instead of a data folder.
//
// Every activation checks a bcrypt password, which runs on libuv's threadpool: a second of CPU buys
// only so many compares, so the figure to watch is activations/s ÷ bcrypt compares/s measured in the
// same process at the same cost and concurrency (1.0 = the server adds nothing on top of bcrypt).
// Prints figures; asserts nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { createApp } from '../packages/api/src/app.ts';
import { type Config, loadConfig } from '../packages/api/src/config.ts';
import { type Database, openEmbedded, openPostgres } from '../packages/api/src/database.ts';
import { listen } from '../packages/api/src/server.ts';
import { envInt } from './env.ts';

const COST = envInt('BCRYPT_COST', 12, 4, 15);
const N = envInt('BENCH_ACTIVATIONS', 200, 1, 1_000_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 16, 1, 1000);
const SERIAL = envInt('BENCH_SERIAL', 10, 1, 100_000);
const PGLITE_IN_MEMORY = process.env.BENCH_PGLITE === 'memory';
const PASSWORD = 'bench-password-correct-horse';

const ACTIVATE = /* GraphQL */ `
  mutation Activate($input: ActivateMachineInput!) {
    activateMachine(input: $input) {
      __typename
      ... on ActivateMachineSuccess { token license { seatsUsed } }
      ... on Error { code message }
    }
  }
`;

interface Figures {
  count: number;
  failures: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Runs `task(0..n-1)` with at most `concurrency` in flight; times each call and the whole. */
async function measure(n: number, concurrency: number, task: (i: number) => Promise<boolean>): Promise<Figures> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      const ok = await task(i).catch((error: unknown) => {
        if (failures === 0) console.error('  first failure:', error);
        return false;
      });
      latencies.push(performance.now() - t0);
      if (!ok) failures++;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const rank = (p: number) => latencies[Math.max(0, Math.ceil(p * latencies.length) - 1)]!;
  return {
    count: n,
    failures,
    seconds: round(seconds, 2),
    perSecond: round(n / seconds, 2),
    p50Ms: round(rank(0.5), 1),
    p95Ms: round(rank(0.95), 1),
    maxMs: round(latencies.at(-1)!, 1),
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** N compares at the same concurrency; at low costs, as many rounds of N as fill a second (a steadier figure). */
async function benchBcrypt(): Promise<{ concurrent: Figures; serial: Figures }> {
  const hash = await bcrypt.hash(PASSWORD, COST);
  const compare = () => bcrypt.compare(PASSWORD, hash);
  await compare(); // warm the threadpool
  let concurrent = await measure(N, CONCURRENCY, compare);
  if (concurrent.seconds < 1) concurrent = await measure(N * Math.ceil(1 / Math.max(concurrent.seconds, 0.001)), CONCURRENCY, compare);
  return { concurrent, serial: await measure(SERIAL, 1, compare) };
}

/** The server's own defaults (loadConfig on an explicit environment, no `.env`), but the bench's cost and no per-address limit. */
function benchConfig(dataDir: string): Config {
  return loadConfig(
    {
      DATA_DIR: dataDir,
      BCRYPT_COST: String(COST),
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_URL: 'http://bench.invalid',
      NODE_ENV: 'production',
      // Every request comes from 127.0.0.1: the bench measures activations, not the address limiter.
      RATE_LIMIT_PER_ADDRESS: '0',
    },
    '/nonexistent/.env',
  );
}

/** Seeds one product, one customer and one license with a seat for every activation, then activates over HTTP. */
async function benchActivations(label: string, database: Database, dataDir: string) {
  const app = await createApp(benchConfig(dataDir), { database });
  const http = await listen(app.yoga, 0, '127.0.0.1');
  try {
    const db = database.prisma;
    const suffix = randomBytes(4).toString('hex');
    const product = await db.product.create({ data: { code: `bench-${suffix}`, name: 'Bench Plug-in' } });
    const customer = await db.customer.create({
      data: { email: `bench-${suffix}@example.com`, passwordHash: await bcrypt.hash(PASSWORD, COST) },
    });
    const license = await db.license.create({
      data: {
        customerId: customer.id,
        productId: product.id,
        seats: CONCURRENCY + N + SERIAL,
        startsAt: new Date(Date.now() - 86_400_000),
        expiresAt: new Date(Date.now() + 365 * 86_400_000),
      },
    });

    const activate = async (fingerprint: string) => {
      const response = await fetch(`${http.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: ACTIVATE,
          variables: {
            input: { email: customer.email, password: PASSWORD, product: product.code, fingerprint, machineName: `PC-${fingerprint}`, osUser: 'bench' },
          },
        }),
      });
      const body = (await response.json()) as { data?: { activateMachine?: { __typename: string; code?: string; message?: string } }; errors?: unknown };
      const result = body.data?.activateMachine;
      if (result?.__typename === 'ActivateMachineSuccess') return true;
      throw new Error(`${label}: ${JSON.stringify(result ?? body.errors)}`);
    };

    // Warm-up (not measured): JIT, the HTTP keep-alive connections, the signing key, the query plans.
    await measure(CONCURRENCY, CONCURRENCY, (i) => activate(`warmup-${i}`));
    const concurrent = await measure(N, CONCURRENCY, (i) => activate(`machine-${i}`));
    const serial = await measure(SERIAL, 1, (i) => activate(`serial-${i}`));
    const live = await db.activation.count({ where: { licenseId: license.id, releasedAt: null } });
    // Every request was a new machine: each must hold exactly one slot.
    return { concurrent, serial, liveActivations: live, expectedActivations: CONCURRENCY + N + SERIAL };
  } finally {
    await http.close();
    await app.close();
  }
}

async function benchEmbedded() {
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-bench-'));
  try {
    const started = performance.now();
    const database = await openEmbedded(PGLITE_IN_MEMORY ? { pglite: new PGlite() } : { dataDir: join(dir, 'pg') });
    console.log(`  embedded: opened ${PGLITE_IN_MEMORY ? 'in memory' : `in ${dir}`} in ${Math.round(performance.now() - started)} ms`);
    try {
      return await benchActivations('embedded', database, dir);
    } finally {
      await database.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(base: string) {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  const admin = new URL(base);
  admin.searchParams.delete('schema');
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-bench-'));
  const database = await openPostgres(url.toString());
  console.log(`  PostgreSQL: schema ${schema} on ${admin.host}`);
  try {
    return await benchActivations('PostgreSQL', database, dir);
  } finally {
    await database.close();
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: [string, Figures, number | null][]): string {
  const ratios = rows.some(([, , ratio]) => ratio !== null);
  const header = ['', 'ops/s', 'p50 ms', 'p95 ms', 'max ms', 'failed', ...(ratios ? ['÷ bcrypt'] : [])];
  const body = rows.map(([name, f, ratio]) => [
    name,
    f.perSecond.toFixed(2),
    f.p50Ms.toFixed(1),
    f.p95Ms.toFixed(1),
    f.maxMs.toFixed(1),
    String(f.failures),
    ...(ratios ? [ratio === null ? '' : ratio.toFixed(2)] : []),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

async function main() {
  const threadpool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const cores = availableParallelism();
  const loadAtStart = round(loadavg()[0]!, 2);
  console.log(
    `Slotkeeper activation bench: bcrypt cost ${COST}, ${N} activations (distinct machines, one license), ` +
      `concurrency ${CONCURRENCY}, ${cores} CPU(s) (${cpus()[0]?.model.trim() ?? '?'}), libuv threadpool ${threadpool}, Node ${process.version}, ` +
      `load average ${loadAtStart}`,
  );

  console.log('  bcrypt.compare …');
  const compare = await benchBcrypt();
  console.log('  embedded …');
  const embedded = await benchEmbedded();
  const databaseUrl = process.env.DATABASE_URL?.trim();
  let postgres: Awaited<ReturnType<typeof benchPostgres>> | null = null;
  if (databaseUrl) {
    console.log('  PostgreSQL …');
    postgres = await benchPostgres(databaseUrl);
  }

  const loadAtEnd = round(loadavg()[0]!, 2);
  const ratio = (f: Figures) => round(f.perSecond / compare.concurrent.perSecond, 2);
  const embeddedName = `activate, embedded${PGLITE_IN_MEMORY ? ' (memory)' : ''}`;
  const rows: [string, Figures, number | null][] = [
    [`bcrypt.compare (cost ${COST})`, compare.concurrent, null],
    [embeddedName, embedded.concurrent, ratio(embedded.concurrent)],
  ];
  if (postgres) rows.push(['activate, PostgreSQL', postgres.concurrent, ratio(postgres.concurrent)]);
  const serialRows: [string, Figures, number | null][] = [
    [`bcrypt.compare (cost ${COST})`, compare.serial, null],
    [embeddedName, embedded.serial, null],
  ];
  if (postgres) serialRows.push(['activate, PostgreSQL', postgres.serial, null]);
  console.log(`\n${N} at concurrency ${CONCURRENCY} (throughput; latencies include queueing):`);
  console.log(table(rows));
  console.log(`\n${SERIAL} one at a time (the time of one activation on an idle server):`);
  console.log(table(serialRows));
  if (!postgres) {
    console.log(
      '\nPostgreSQL skipped: DATABASE_URL is not set. Run `DATABASE_URL=postgresql://user@host:5432/db pnpm bench:activate` ' +
        '(a fresh schema bench_<random> is created there and dropped at the end).',
    );
  }
  // The bench itself keeps the threadpool and the event loop busy (load ≈ threadpool + 1 at the end);
  // only the load it started under says whether other processes were competing.
  console.log(`\nLoad average (1 min) ${loadAtStart} at the start, ${loadAtEnd} at the end (this bench alone brings it near ${threadpool + 1}).`);
  if (loadAtStart > cores) {
    console.log(`Warning: the machine was busy when the bench started (load ${loadAtStart} on ${cores} CPU(s)); figures and ratios may be disturbed.`);
  }
  for (const [name, f] of [['embedded', embedded], ['PostgreSQL', postgres]] as const) {
    if (f && f.liveActivations !== f.expectedActivations) {
      console.log(`Note: ${name} holds ${f.liveActivations} live activations after ${f.expectedActivations} successful-looking requests.`);
    }
  }
  console.log(
    JSON.stringify({
      bcryptCost: COST,
      activations: N,
      concurrency: CONCURRENCY,
      serial: SERIAL,
      cpus: cores,
      threadpool,
      node: process.version,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      bcrypt: compare,
      embedded: { ...embedded, pglite: PGLITE_IN_MEMORY ? 'memory' : 'dataDir', ratioToBcrypt: ratio(embedded.concurrent) },
      postgres: postgres ? { ...postgres, ratioToBcrypt: ratio(postgres.concurrent) } : null,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
