// Starting the api (or another TypeScript entry) as a process of its own, for the tests, the stress
// tests and the benchmarks alike: a test can kill -9 it or run two, a benchmark loads it from outside
// its event loop. Also a PostgreSQL schema of its own for such a process.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** How long a process may take to get ready (the first start of an embedded database runs initdb). */
const START_MS = 120_000;
/** How long `stop()` waits after SIGTERM before SIGKILL. */
const STOP_MS = 10_000;

/**
 * Node's arguments to run TypeScript sources: tsx, and the workspace packages' source condition (their
 * exports give dist/ otherwise, the compiled build `pnpm start` runs).
 */
export const TS_SOURCES = ['--import', 'tsx', '--conditions=@slotkeeper/source'];

/**
 * The compiled twin of a workspace package's source entry (`packages/api/src/main.ts` →
 * `packages/api/dist/main.js`), or null for anything else. Processes start from it: it is what
 * `pnpm start` and `pnpm cli` run, and it starts in a fraction of tsx's time (tsx compiles the whole
 * source tree at every start). The test setup builds it first (scripts/build.mjs; skipped when fresh).
 */
export function compiledEntry(entry: string): string | null {
  const match = /^packages\/([\w-]+)\/src\/(.+)\.ts$/.exec(entry);
  return match ? `packages/${match[1]}/dist/${match[2]}.js` : null;
}

/** Node's arguments to run `entry`: its compiled twin, or the TypeScript file itself through tsx. */
export function nodeArgs(entry: string): string[] {
  const compiled = compiledEntry(entry);
  return compiled ? [compiled] : [...TS_SOURCES, entry];
}

/**
 * `node ENTRY ARGS` from the repository root (see nodeArgs): one process (no pnpm or tsx wrapper), so
 * its pid is the one signals must reach. `env` is the whole environment the child gets.
 */
export function spawnTs(entry: string, args: string[], env: NodeJS.ProcessEnv, nodeOptions: string[] = []): ChildProcess {
  const compiled = compiledEntry(entry);
  const argv = compiled ? [...nodeOptions, compiled, ...args] : [...TS_SOURCES, ...nodeOptions, entry, ...args];
  return spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A free loopback port: the server is given it, so the caller needs no log line to find it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface ApiProcess {
  url: string;
  pid: number;
  /** The last 20 kB of stdout + stderr, shown when something goes wrong. */
  output(): string;
  /** Resident set size now, in MB (from /proc). */
  rssMb(): number;
  /** SIGKILL: no shutdown handler runs, in-flight transactions die with their connections. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL if it is still there after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts `entry` (default: the api's main.ts) on a free loopback port with `env` as its whole
 * environment (HOST and PORT added) and resolves once `readyPath` answers 200.
 */
export async function startApiProcess(options: {
  env: NodeJS.ProcessEnv;
  entry?: string;
  readyPath?: string;
  nodeOptions?: string[];
}): Promise<ApiProcess> {
  const entry = options.entry ?? 'packages/api/src/main.ts';
  const readyPath = options.readyPath ?? '/readyz';
  const port = await freePort();
  const child = spawnTs(entry, [], { ...options.env, HOST: '127.0.0.1', PORT: String(port) }, options.nodeOptions);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const api: ApiProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    rssMb() {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
      return Math.round((kb / 1024) * 10) / 10;
    },
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (gone()) throw new Error(`${entry} exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    if (Date.now() > deadline) {
      await api.kill9();
      throw new Error(`${entry} did not answer ${readyPath} within ${START_MS / 1000} s:\n${output}`);
    }
    const ready = await fetch(`${api.url}${readyPath}`).then((r) => r.ok, () => false);
    if (ready) return api;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A PostgreSQL schema of its own (an api process migrates it at start) beside `databaseUrl`'s:
 * `url` carries `?schema=`, `drop()` removes it.
 */
export function ownSchema(databaseUrl: string, label: string) {
  const base = new URL(databaseUrl);
  base.searchParams.delete('schema');
  const name = `sk_${label}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', name);
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
