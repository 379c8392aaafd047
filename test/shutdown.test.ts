// Graceful shutdown of the real server process: SIGTERM lets a request in flight finish, refuses new
// connections, completes SSE and WebSocket subscriptions, and exits 0 saying so; a second signal
// does not wait.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { spawnTs } from '../scripts/api-process.ts';
import { WAIT_MS, subscribeSlots } from './support/subscriptions.ts';

const ADMIN_EMAIL = 'ops@vendor.example';
const ADMIN_PASSWORD = 'Shutdown-Admin-Secret-1';
const STAFF_LOG_IN = `mutation StaffLogIn($email: String!, $password: String!) {
  staffLogIn(input: { email: $email, password: $password }) { __typename ... on StaffLogInSuccess { token } ... on Error { code } }
}`;

interface Server {
  child: ChildProcess;
  url: string;
  dataDir: string;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Resolves with the first log entry `match` accepts, now or later. */
  waitForLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

const servers: Server[] = [];

afterAll(() => {
  for (const server of servers) {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});

/**
 * Starts main.ts on the embedded database in a new folder, at a bcrypt cost that makes a log-in take
 * about a second: a request that is surely still running when the signal comes. Its log goes to the
 * run's log folder too, for the no-secrets check.
 */
async function startServer(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-shutdown-'));
  const env = {
    ...process.env,
    DATABASE_URL: '',
    REDIS_URL: '',
    SMTP_URL: '',
    KEY_ENCRYPTION_KEY: '',
    NODE_ENV: 'development',
    METRICS_TOKEN: '',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    BCRYPT_COST: '14',
    LOG_LEVEL: 'debug',
    SHUTDOWN_TIMEOUT_MS: '30000',
    RATE_LIMIT_PER_ADDRESS: '0',
    RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
  };
  const child = spawnTs('packages/api/src/main.ts', [], env);
  const logFile = join(inject('logDir'), `shutdown-${child.pid}.log`);
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  let pending = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    appendFileSync(logFile, chunk);
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const text of complete.filter(Boolean)) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLine = (match: (line: Record<string, unknown>) => boolean) => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line within 90 s; stderr: ${stderr}`)), 90_000);
      waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      void exited.then((code) => reject(new Error(`the server exited (${code}); stderr: ${stderr}`)));
    });
  };
  const listening = await waitForLine((l) => /listening on http:\/\/\S+\/graphql/.test(String(l.msg)));
  const url = /listening on (http:\/\/\S+)\/graphql/.exec(String(listening.msg))![1]!;
  const server = { child, url, dataDir, lines, exited, waitForLine };
  servers.push(server);
  return server;
}

function staffLogIn(url: string, requestId: string) {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query: STAFF_LOG_IN, variables: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }),
  });
}

/** Whether a new TCP connection to the server's port is accepted. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function liveSubscriptions(url: string, transport: 'sse' | 'ws') {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^slotkeeper_subscriptions\\{transport="${transport}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
}

it('on SIGTERM finishes the request in flight, refuses new connections, completes subscriptions and exits 0', async () => {
  const server = await startServer();
  const session = await (await staffLogIn(server.url, 'first-log-in')).json();
  const token = session.data.staffLogIn.token as string;
  expect(token).toMatch(/^sst_/);

  const sse = subscribeSlots('sse', server.url, null, token);
  const ws = subscribeSlots('ws', server.url, null, token);
  const deadline = Date.now() + WAIT_MS;
  while ((await liveSubscriptions(server.url, 'sse')) !== 1 || (await liveSubscriptions(server.url, 'ws')) !== 1) {
    if (Date.now() > deadline) throw new Error('the subscriptions did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const slow = staffLogIn(server.url, 'in-flight-at-sigterm');
  await server.waitForLine((l) => l.msg === 'request received' && l.requestId === 'in-flight-at-sigterm');
  server.child.kill('SIGTERM');
  await server.waitForLine((l) => l.msg === 'SIGTERM: shutting down');

  // The server closes its listener before it writes that line: a new connection is refused…
  expect(await accepts(server.url)).toBe(false);
  // …while the request that was running gets its whole answer.
  const answer = await slow;
  expect(answer.status).toBe(200);
  expect((await answer.json()).data.staffLogIn).toMatchObject({ __typename: 'StaffLogInSuccess', token: expect.stringMatching(/^sst_/) });
  // Both subscriptions were completed by the server, not cut.
  expect(await sse.results.whenEnded()).toEqual({});
  expect(await ws.results.whenEnded()).toEqual({});

  expect(await server.exited).toBe(0);
  expect(server.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['SIGTERM: shutting down', 'HTTP and WebSocket closed', 'stopped']));
  expect(server.lines.find((l) => l.requestId === 'in-flight-at-sigterm' && l.msg === 'request')).toMatchObject({ status: 200, operationName: 'StaffLogIn' });
  expect(existsSync(join(server.dataDir, 'slotkeeper.lock'))).toBe(false);
  expect(JSON.stringify(server.lines)).not.toContain(ADMIN_PASSWORD);
  expect(JSON.stringify(server.lines)).not.toContain(token);
  await sse.close();
  await ws.close();
});

it('exits at once, with 1, on a second signal', async () => {
  const server = await startServer();
  const slow = staffLogIn(server.url, 'cut-by-second-signal').catch((error: unknown) => error);
  await server.waitForLine((l) => l.msg === 'request received' && l.requestId === 'cut-by-second-signal');
  server.child.kill('SIGTERM');
  await server.waitForLine((l) => l.msg === 'SIGTERM: shutting down');
  server.child.kill('SIGINT');
  expect(await server.exited).toBe(1);
  expect(server.lines.map((l) => l.msg)).toContain('SIGINT again: exiting without waiting');
  expect(server.lines.map((l) => l.msg)).not.toContain('stopped');
  expect(await slow).toBeInstanceOf(Error);
});
