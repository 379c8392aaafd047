// What every benchmark shares: settings, a database to seed and hand to a server, the api started as
// its own process (so the load generator never shares its event loop), an HTTP load run, and the
// figures' arithmetic. Nothing here asserts: a benchmark prints what it measured.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { type Database, openEmbedded, openPostgres } from '../packages/api/src/database.ts';
import { migrate } from '../packages/api/src/migrate.ts';
import type { PrismaClient } from '../packages/schema/src/generated/prisma/client.ts';
import { ACTIVATE } from '../packages/client/src/operation.ts';
import { type ApiProcess, ROOT, ownSchema, startApiProcess } from '../scripts/api-process.ts';
import { envInt } from './env.ts';

export { ROOT };
export const QUICK = process.env.BENCH_QUICK === '1';
/** Seconds of each throughput run (P1, P2). */
export const SECONDS = envInt('BENCH_SECONDS', QUICK ? 3 : 15, 1, 3600);
export const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32, 1, 10_000);
/** P1's cost (the server's default 12; 8 in quick mode, so that a 3 s run completes activations). */
export const BCRYPT_COST = envInt('BCRYPT_COST', QUICK ? 8 : 12, 4, 15);
export const PASSWORD = 'bench-password-correct-horse';

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function log(message: string) {
  process.stderr.write(`  ${message}\n`);
}

// ---------------------------------------------------------------------------------------------- database

export type DatabaseKind = 'embedded' | 'postgres';

/** The kinds to run: the embedded engine always, PostgreSQL when DATABASE_URL is set (BENCH_DB narrows). */
export function databaseKinds(): DatabaseKind[] {
  const wanted = process.env.BENCH_DB?.trim();
  const kinds: DatabaseKind[] = ['embedded'];
  if (process.env.DATABASE_URL?.trim()) kinds.push('postgres');
  return wanted ? kinds.filter((k) => k === wanted) : kinds;
}

export interface BenchDatabase {
  kind: DatabaseKind;
  /** Environment for the api process: DATA_DIR, and DATABASE_URL with its own schema. */
  env: Record<string, string>;
  /** Opens the database in this process (migrated) for `fn`; closed after, so the embedded engine is free for the server. */
  withPrisma<T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T>;
  /** Removes the data folder or drops the schema. */
  dispose(): Promise<void>;
}

/** A fresh database: a temporary data folder, or a schema `sk_bench_…` on DATABASE_URL. */
export function createBenchDatabase(kind: DatabaseKind): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-bench-'));
  const env: Record<string, string> = { DATA_DIR: dir };
  let open: () => Promise<Database>;
  let drop = async () => {};
  if (kind === 'postgres') {
    const schema = ownSchema(process.env.DATABASE_URL!.trim(), 'bench');
    env.DATABASE_URL = schema.url;
    open = () => openPostgres(schema.url);
    drop = schema.drop;
  } else {
    open = () => openEmbedded({ dataDir: join(dir, 'pg') });
  }
  return {
    kind,
    env,
    async withPrisma(fn) {
      const database = await open();
      try {
        await migrate(database);
        return await fn(database.prisma);
      } finally {
        await database.close();
      }
    },
    async dispose() {
      await drop().catch((error: unknown) => log(`could not drop the bench schema: ${(error as Error).message}`));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const hashes = new Map<number, Promise<string>>();
/** The bench password hashed once per cost (every seeded customer shares it). */
export function passwordHash(cost: number): Promise<string> {
  let hash = hashes.get(cost);
  if (!hash) hashes.set(cost, (hash = bcrypt.hash(PASSWORD, cost)));
  return hash;
}

export interface SeededCustomer {
  id: string;
  email: string;
  licenseIds: string[];
  /** Bearer session tokens (customer sessions), as logIn would give. */
  sessions: string[];
}

/**
 * One product and `customers` customers, each with `licenses` licenses of `seats` seats, `sessions`
 * sessions and `activations` live activations per license (inserted, no token). Bulk inserts.
 */
export async function seed(
  prisma: PrismaClient,
  options: { customers: number; licenses?: number; seats: number; cost: number; sessions?: number; activations?: number; leaseDays?: number | null },
): Promise<{ product: string; customers: SeededCustomer[] }> {
  const tag = randomBytes(4).toString('hex');
  const product = await prisma.product.create({ data: { code: `bench-${tag}`, name: 'Bench Plug-in', leaseSeconds: options.leaseDays != null ? options.leaseDays * 86_400 : null } });
  const hash = await passwordHash(options.cost);
  const customers: SeededCustomer[] = Array.from({ length: options.customers }, (_, i) => ({
    id: `bench-${tag}-c${i}`,
    email: `bench-${tag}-${i}@example.com`,
    licenseIds: Array.from({ length: options.licenses ?? 1 }, (_, l) => `bench-${tag}-c${i}-l${l}`),
    sessions: Array.from({ length: options.sessions ?? 0 }, () => `sks_${randomBytes(32).toString('base64url')}`),
  }));
  const now = Date.now();
  const chunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / 1000) }, (_, i) => rows.slice(i * 1000, i * 1000 + 1000));
  const past = new Date(now - 86_400_000);
  for (const rows of chunks(customers.map((c) => ({ id: c.id, email: c.email, passwordHash: hash, passwordChangedAt: past })))) {
    await prisma.customer.createMany({ data: rows });
  }
  const licenses = customers.flatMap((c) =>
    c.licenseIds.map((id) => ({
      id,
      customerId: c.id,
      productId: product.id,
      seats: options.seats,
      startsAt: past,
      expiresAt: new Date(now + 365 * 86_400_000),
    })),
  );
  for (const rows of chunks(licenses)) await prisma.license.createMany({ data: rows });
  const sessions = customers.flatMap((c) =>
    c.sessions.map((token) => ({ customerId: c.id, tokenHash: sha256(token), expiresAt: new Date(now + 7 * 86_400_000) })),
  );
  for (const rows of chunks(sessions)) await prisma.session.createMany({ data: rows });
  const activations = licenses.flatMap((l) =>
    Array.from({ length: options.activations ?? 0 }, (_, a) => ({
      licenseId: l.id,
      fingerprintHash: sha256(`${l.id}-seeded-${a}`),
      machineName: `PC-${a}`,
      osUser: 'bench',
      activatedAt: past,
      lastSeenAt: past,
      tokenKid: 'seeded',
      tokenExpiresAt: new Date(now + 365 * 86_400_000),
    })),
  );
  for (const rows of chunks(activations)) await prisma.activation.createMany({ data: rows });
  return { product: product.code, customers };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

// ---------------------------------------------------------------------------------------------- servers

export type RunningServer = Pick<ApiProcess, 'url' | 'pid' | 'rssMb' | 'stop'>;

/** The libuv thread-pool size the servers get (bcrypt and async crypto run on it): the caller's, else Node's default 4. */
export const THREADPOOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/** Runs a TypeScript entry as its own Node process (scripts/api-process.ts) and waits for `readyPath`. */
export function startProcess(entry: string, env: Record<string, string>, readyPath: string): Promise<RunningServer> {
  // The bench's own DATABASE_URL (no schema) names where bench schemas go, never a server's database:
  // only `env` gives one (createBenchDatabase); a server without it runs on the embedded engine.
  const { DATABASE_URL: _url, ...inherited } = process.env;
  return startApiProcess({
    entry,
    readyPath,
    env: { ...inherited, NODE_ENV: 'production', UV_THREADPOOL_SIZE: String(THREADPOOL), ...env },
    nodeOptions: process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean),
  });
}

/** The api (packages/api/src/main.ts) on `database`, production settings, no per-address limit. */
export function startApi(database: BenchDatabase, extra: Record<string, string> = {}): Promise<RunningServer> {
  return startProcess(
    'packages/api/src/main.ts',
    {
      BCRYPT_COST: String(BCRYPT_COST),
      KEY_ENCRYPTION_KEY: KEK,
      PUBLIC_URL: 'http://bench.invalid',
      // Every request comes from 127.0.0.1: the bench measures the server, not the address limiter.
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
      RATE_LIMIT_FAILED_LOGINS: '10000',
      // P3 holds 10,000 subscriptions from one address over 100 sessions.
      MAX_SUBSCRIPTIONS_PER_SESSION: '0',
      MAX_SUBSCRIPTIONS_PER_ADDRESS: '0',
      ...database.env,
      ...extra,
    },
    '/readyz',
  );
}

const KEK = randomBytes(32).toString('base64');

/**
 * The hand-written floor (bench/floor-server.ts) on `database` (PostgreSQL only: it speaks pg), with a
 * signing key of its own; `token(apiToken)` re-signs an api token's claims with that key, so the
 * floor renews the very slots the api renewed.
 */
export async function startFloor(database: BenchDatabase): Promise<RunningServer & { token(apiToken: string): string }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const kid = 'bench-floor';
  const issuer = 'bench-floor';
  const server = await startProcess(
    'bench/floor-server.ts',
    { DATABASE_URL: database.env.DATABASE_URL!, FLOOR_KEY: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), FLOOR_KID: kid, FLOOR_ISSUER: issuer },
    '/ready',
  );
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'slot+jwt' })).toString('base64url');
  return {
    ...server,
    token(apiToken) {
      const claims = JSON.parse(Buffer.from(apiToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      const input = `${header}.${Buffer.from(JSON.stringify({ ...claims, iss: issuer })).toString('base64url')}`;
      return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
    },
  };
}

/** A bare graphql-yoga `{ hello }` server started the same way as the api: the ceiling of yoga + HTTP here. */
export function startHello(): Promise<RunningServer> {
  return startProcess('bench/hello-server.ts', {}, '/graphql?query=%7Bhello%7D');
}

// ---------------------------------------------------------------------------------------------- load

/**
 * What a row says of a run's failed requests: a baseline whose requests failed is no baseline (its
 * rate is near 0 and any ratio over it looks met), so rows built on one say so and are not met.
 */
export const failedNote = (r: LoadResult | null): string => (r && r.failed > 0 ? ` (${r.failed.toLocaleString('en-US')} requests FAILED)` : '');

export interface LoadResult {
  /** Requests answered per second (2xx). */
  rps: number;
  /** Answers `ok` accepted per second. */
  okPerSecond: number;
  requests: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  seconds: number;
  firstFailure: string | null;
}

/**
 * autocannon over real sockets: `connections` keep-alive connections, for `seconds` or `amount`
 * requests; `body(i)` builds the i-th request's JSON body; `ok(body)` accepts an answer.
 */
export async function load(options: {
  url: string;
  connections: number;
  seconds?: number;
  amount?: number;
  body: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  ok: (body: string) => boolean;
}): Promise<LoadResult> {
  let i = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const result = await autocannon({
    url: `${options.url}/graphql`,
    connections: options.connections,
    duration: options.seconds ?? 10,
    amount: options.amount,
    timeout: 120,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = i++;
          return {
            ...request,
            headers: { 'content-type': 'application/json', ...options.headers?.(n) },
            body: options.body(n),
          };
        },
        onResponse: (status, body) => {
          if (status === 200 && options.ok(body)) ok++;
          else {
            failed++;
            firstFailure ??= `HTTP ${status}: ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    rps: round(result.requests.average, 1),
    okPerSecond: round(ok / seconds, 2),
    requests: result.requests.total,
    ok,
    failed: failed + result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    seconds: round(seconds, 2),
    firstFailure: firstFailure ?? (result.errors ? `${result.errors} socket errors, ${result.timeouts} timeouts` : null),
  };
}

/** One GraphQL POST; throws on anything but a 200 with data. */
export async function gql<T = Record<string, any>>(url: string, query: string, variables: object = {}, token?: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!response.ok || !body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

/** The SDK's activation (packages/client/src/operation.ts): the benchmarks ask what plug-ins ask. */
export function activateBody(email: string, product: string, fingerprint: string): string {
  return JSON.stringify({
    query: ACTIVATE,
    variables: { input: { email, password: PASSWORD, product, fingerprint, machineName: `PC-${fingerprint}`, osUser: 'bench' } },
  });
}

/** Runs `fn` with a fresh database of each kind and an api on it; always cleans up. */
export async function withApi<T>(
  kind: DatabaseKind,
  prepare: (prisma: PrismaClient) => Promise<T>,
  fn: (server: RunningServer, seeded: T, database: BenchDatabase) => Promise<void>,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const database = createBenchDatabase(kind);
  let server: RunningServer | null = null;
  try {
    const seeded = await database.withPrisma(prepare);
    server = await startApi(database, extraEnv);
    await fn(server, seeded, database);
  } finally {
    await server?.stop();
    await database.dispose();
  }
}

// ---------------------------------------------------------------------------------------------- report

/** One line of the table. `ratio` is figure ÷ baseline (or baseline ÷ figure where less is better, as `goal` says). */
export interface Row {
  id: string;
  figure: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineName: string | null;
  ratio: number | null;
  goal: string;
  met: boolean | null;
  /** A second same-run baseline shown beside the first (P2: bare yoga beside the floor); informative, no goal. */
  second?: { value: number; name: string; ratio: number };
}

export interface BenchResult {
  rows: Row[];
  /** Everything measured, for the JSON file. */
  details: Record<string, unknown>;
}
