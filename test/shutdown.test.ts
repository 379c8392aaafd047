// Graceful shutdown of the real server process: SIGTERM lets a request in flight finish, refuses new
// connections, ends SSE and WebSocket subscriptions as a restart (so their clients come back), cuts
// what is left at SHUTDOWN_TIMEOUT_MS whatever the transport, and exits 0 saying so; a second signal
// does not wait. Across a restart the official subscription clients resubscribe by themselves.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { ROOT, nodeArgs, spawnTs } from '../scripts/api-process.ts';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ACTIVATE, SLOT_EVENTS, machine } from './support/operations.ts';
import { ResultQueue, WAIT_MS, post, subscribeSlots, untilLive, wsUrl } from './support/subscriptions.ts';

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
async function startServer(options: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<Server> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'slotkeeper-shutdown-'));
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
    PORT: String(options.port ?? 0),
    BCRYPT_COST: '14',
    LOG_LEVEL: 'debug',
    SHUTDOWN_TIMEOUT_MS: '30000',
    RATE_LIMIT_PER_ADDRESS: '0',
    RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ...options.env,
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

it('on SIGTERM finishes the request in flight, refuses new connections, ends subscriptions as a restart and exits 0', async () => {
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
  // Neither subscription was completed: each ended with the signal the official clients retry
  // (these test clients have retries off, so they report it). SSE: the stream ended without
  // `complete`, which graphql-sse counts as a network error; WebSocket: close code 1012.
  const sseEnd = await sse.results.whenEnded();
  expect(sseEnd.error).toMatchObject({ name: 'NetworkError' });
  expect(sse.results.received).toEqual([]);
  expect(await ws.results.whenEnded()).toEqual({ error: expect.objectContaining({ code: 1012, reason: 'Service restart' }) });

  expect(await server.exited).toBe(0);
  expect(server.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['SIGTERM: shutting down', 'HTTP and WebSocket closed', 'stopped']));
  expect(server.lines.find((l) => l.requestId === 'in-flight-at-sigterm' && l.msg === 'request')).toMatchObject({ status: 200, operationName: 'StaffLogIn' });
  expect(existsSync(join(server.dataDir, 'slotkeeper.lock'))).toBe(false);
  // Cutting the streams is the plan, not a failure: nothing is logged as an error.
  expect(server.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
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

/** Runs the operator CLI against the data folder of a running server (it answers over its socket). */
async function cli(dataDir: string, ...args: string[]): Promise<any> {
  const env = { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: '' };
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [...nodeArgs('packages/api/src/cli.ts'), ...args, '--json'], { cwd: ROOT, env }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    ),
  );
  return JSON.parse(stdout);
}

/** Reads `results` up to the event of `activationId`; anything before it must be a warm-up event. */
async function eventOf(results: ResultQueue, activationId: string) {
  for (;;) {
    const event = await results.nextEvent();
    if (event.activation.id === activationId) return event;
    expect(event.activation.machineName).toMatch(/^PC-warm-up-/);
  }
}

it('across a restart (SIGTERM, a new process on the same port and data) the official graphql-sse and graphql-ws clients resubscribe by themselves', async () => {
  const env = { BCRYPT_COST: '4' };
  const first = await startServer({ env });
  const port = Number(new URL(first.url).port);
  const seeded = await cli(first.dataDir, 'seed');
  const license = { id: seeded.license.id as string, email: seeded.customer.email as string, password: seeded.password as string, product: seeded.product.code as string };
  const session = (await (await staffLogIn(first.url, 'restart-log-in')).json()).data.staffLogIn.token as string;

  // The clients as an integrator configures them: retries on (quick ones, to keep the test short).
  const retryWait = () => new Promise<void>((resolve) => setTimeout(resolve, 200));
  const reconnects = { sse: 0, ws: 0 };
  const sse = new ResultQueue();
  const sseClient = createSseClient({
    url: `${first.url}/graphql`,
    headers: { authorization: `Bearer ${session}` },
    singleConnection: false,
    retryAttempts: 1000,
    retry: retryWait,
    on: { connected: (reconnected) => void (reconnected && reconnects.sse++) },
  });
  const ws = new ResultQueue();
  const wsClient = createWsClient({
    url: wsUrl(first.url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${session}` },
    retryAttempts: 1000,
    retryWait,
    // graphql-ws retries close events by default (1012 among them); while no process listens, the
    // reconnect fails with a socket error instead, which an integrator that restarts in place retries too.
    shouldRetry: () => true,
    on: { connected: (_socket, _payload, wasRetry) => void (wasRetry && reconnects.ws++) },
  });
  const stopSse = sseClient.subscribe({ query: SLOT_EVENTS, variables: { licenseId: null } }, sse.sink);
  const stopWs = wsClient.subscribe({ query: SLOT_EVENTS, variables: { licenseId: null } }, ws.sink);
  try {
    await untilLive(sse, license, first.url);
    await untilLive(ws, license, first.url);
    // Each queue also holds the other's warm-up events: read both up to one event of this test's own.
    const before = (await post(first.url, ACTIVATE, { input: machine(license, 'before-restart') })).data?.activateMachine;
    for (const results of [sse, ws]) await eventOf(results, before.activation.id);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = await startServer({ dataDir: first.dataDir, port, env });
    expect(second.url).toBe(first.url);

    // No subscribe call here: the clients found the new process and subscribed again on their own.
    await untilLive(sse, license, second.url);
    await untilLive(ws, license, second.url);
    const after = (await post(second.url, ACTIVATE, { input: machine(license, 'after-restart') })).data?.activateMachine;
    expect(after?.__typename).toBe('ActivateMachineSuccess');
    for (const results of [sse, ws]) {
      expect(await eventOf(results, after.activation.id)).toMatchObject({ licenseId: license.id, change: 'ACTIVATED', activation: { machineName: 'PC-after-restart' } });
    }
    expect(reconnects.sse).toBeGreaterThanOrEqual(1);
    expect(reconnects.ws).toBeGreaterThanOrEqual(1);
    console.log(`official clients across a restart: graphql-sse reconnected ${reconnects.sse}×, graphql-ws ${reconnects.ws}×; both got the event after it`);
    // Neither client saw its subscription end.
    await expect(sse.whenEnded(100)).rejects.toThrow(/did not end/);
    await expect(ws.whenEnded(100)).rejects.toThrow(/did not end/);
  } finally {
    stopSse();
    stopWs();
    sseClient.dispose();
    await wsClient.dispose();
  }
});

it('cuts a WebSocket client that stopped reading once SHUTDOWN_TIMEOUT_MS is over, and exits', async () => {
  const server = await startServer({ env: { SHUTDOWN_TIMEOUT_MS: '1000' } });
  const token = (await (await staffLogIn(server.url, 'frozen-log-in')).json()).data.staffLogIn.token as string;
  const frozen = new WebSocket(wsUrl(server.url), 'graphql-transport-ws');
  const messages: { type: string }[] = [];
  const acknowledged = new Promise<void>((resolve) =>
    frozen.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      messages.push(message);
      if (message.type === 'connection_ack') resolve();
    }),
  );
  await once(frozen, 'open');
  frozen.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  // graphql-ws closes a connection that subscribes before its acknowledgement (4401).
  await acknowledged;
  frozen.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SLOT_EVENTS, variables: { licenseId: null } } }));
  const deadline = Date.now() + WAIT_MS;
  while ((await liveSubscriptions(server.url, 'ws')) !== 1) {
    if (Date.now() > deadline) throw new Error('the subscription did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(messages.map((m) => m.type)).toEqual(['connection_ack']);

  // The client's process stops reading its socket: the server's close frame waits in the kernel, unanswered.
  const tcp = (frozen as unknown as { _socket: import('node:net').Socket })._socket;
  tcp.pause();
  let closedWhileFrozen = false;
  frozen.on('close', () => (closedWhileFrozen = tcp.isPaused()));
  server.child.kill('SIGTERM');

  // Without the cut, ws would wait 30 s for the frozen client to answer its close.
  const bound = new Promise((resolve) => setTimeout(() => resolve('still running'), 25_000).unref());
  expect(await Promise.race([server.exited, bound])).toBe(0);
  const messagesInOrder = server.lines.map((l) => l.msg);
  const cutLine = server.lines.find((l) => /still open after SHUTDOWN_TIMEOUT_MS/.test(String(l.msg)));
  expect(cutLine).toMatchObject({ ws: 1 });
  expect(messagesInOrder.indexOf('SIGTERM: shutting down')).toBeLessThan(messagesInOrder.indexOf(cutLine!.msg));
  expect(messagesInOrder.indexOf(cutLine!.msg)).toBeLessThan(messagesInOrder.indexOf('HTTP and WebSocket closed'));
  expect(messagesInOrder).toContain('stopped');

  // Once it reads again, the client finds its socket closed by the server, with the restart signal first.
  expect(closedWhileFrozen).toBe(false);
  const closed = once(frozen, 'close');
  tcp.resume();
  const [code] = await closed;
  expect(code).toBe(1012);
});
