// Real api processes for the stress tests: `node --import tsx packages/api/src/main.ts` as a child,
// so a test can kill -9 it, run two of them, or load it from outside its event loop.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** How long a process may take to answer /readyz (first start of an embedded database runs initdb). */
const START_MS = 120_000;

/** A free loopback port: the server is given it, so the test needs no log line to find it. */
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
  /** stdout + stderr so far, shown when something goes wrong. */
  output(): string;
  /** SIGKILL: no shutdown handler runs, in-flight transactions die with their connections. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL if it is still there after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts an api process with `env` on top of a minimal environment (never the test's own DATABASE_URL
 * or REDIS_URL unless given) and resolves once /readyz answers 200.
 */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/api/src/main.ts'], {
    cwd: ROOT,
    // Warnings and errors only: the kept tail of the output then shows what went wrong, not request lines.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const api: ApiProcess = {
    url,
    pid: child.pid!,
    output: () => output,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the api process exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await api.kill9();
      throw new Error(`the api process did not get ready within ${START_MS} ms:\n${output}`);
    }
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return api;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Kills every process given (by pid, SIGKILL), whatever state the test left them in. */
export async function killAll(processes: (ApiProcess | undefined)[]) {
  await Promise.all(processes.map((p) => p?.kill9()));
}

/**
 * A PostgreSQL schema of its own (the api processes migrate it at start) under the run's database:
 * `url` carries `?schema=`, `drop()` removes it.
 */
export function ownSchema(runDatabaseUrl: string, label: string) {
  const base = new URL(runDatabaseUrl);
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

/** The process's open-file limit as the kernel applies it (what `ulimit -n` set when it started). */
export async function openFileLimit(pid: number): Promise<string> {
  const limits = await readFile(`/proc/${pid}/limits`, 'utf8').catch(() => '');
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  return line ? line.replace(/\s+/g, ' ').replace('Max open files ', '').trim() : 'unknown';
}

/** A GraphQL POST over HTTP; returns the HTTP status and the parsed body (null when it isn't JSON). */
export async function postGraphql(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the status tells the test what happened.
  }
  return { status: response.status, body };
}
