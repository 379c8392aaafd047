// Slow clients: a real api process holds many idle SSE subscribers while slowloris connections trickle
// headers and bodies byte by byte. Activations must still be answered, the server must close the slow
// sockets (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS) and idle keep-alive ones
// (HTTP_KEEPALIVE_TIMEOUT_MS), and the SSE streams must outlive those timeouts: they bound receiving a
// request, not streaming its response.
//
// SLOW_SSE_SUBSCRIBERS (1000): idle SSE subscribers; SLOWLORIS_CONNECTIONS (20): half trickle their
// headers, half their body; SLOW_ACTIVATIONS (50): activations answered meanwhile.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { callOperatorSocket } from '@slotkeeper/api/operator';
import { ACTIVATE, LOG_IN, SLOT_EVENTS, machine } from '../support/operations.ts';
import { type ApiProcess, killAll, openFileLimit, postGraphql, startApi } from './support/api-process.ts';
import { envCount } from './support/env-count.ts';

const SUBSCRIBERS = envCount('SLOW_SSE_SUBSCRIBERS', 1000);
const SLOWLORIS = envCount('SLOWLORIS_CONNECTIONS', 20);
const ACTIVATIONS = envCount('SLOW_ACTIVATIONS', 50);
// Short enough to keep the test short, long enough that a loaded machine still reads a legitimate
// request in time: a server whose event loop is starved counts its own delay against the client
// (2 s / 4 s answered real subscribers 408 on a 2-core machine at load 8).
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** Not Node's default (5 s), so the Keep-Alive header shows the setting was applied. */
const KEEPALIVE_TIMEOUT_MS = 3_000;
/** A slowloris sends one byte this often: far slower than any timeout allows for the whole request. */
const TRICKLE_MS = 250;
/** Failure guard for things that must happen; never a measured figure. */
const GUARD_MS = 60_000;

let api: ApiProcess | undefined;
let dataDir: string | undefined;
const sockets: Socket[] = [];
const streams: ClientRequest[] = [];

interface Login {
  email: string;
  password: string;
  product: string;
  licenseId: string;
}

/** The server's operator socket, as the CLI finds it: recorded in the data folder's lock file. */
function serverSocket(folder: string): string {
  return (JSON.parse(readFileSync(join(folder, 'slotkeeper.lock'), 'utf8')) as { socket: string }).socket;
}

async function operator(command: string, args: Record<string, string>) {
  const outcome = await callOperatorSocket(serverSocket(dataDir!), command, args);
  if (!outcome.ok) throw new Error(`${command}: ${JSON.stringify(outcome.error)}`);
  return outcome.result as any;
}

async function issue(product: string, seats: number): Promise<Login> {
  const email = `slow-${randomBytes(4).toString('hex')}@example.com`;
  const issued = await operator('license issue', { email, product, seats: String(seats), expires: '+30d' });
  return { email, password: issued.password, product, licenseId: issued.license.id };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-slow-'));
  api = await startApi({
    DATA_DIR: dataDir,
    KEY_ENCRYPTION_KEY: inject('keyEncryptionKey'),
    BCRYPT_COST: '4',
    RATE_LIMIT_PER_ADDRESS: '0',
    RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
    // 1,000 idle subscribers of one session from one address: the caps are tested in test/subscription.test.ts.
    MAX_SUBSCRIPTIONS_PER_SESSION: '0',
    MAX_SUBSCRIPTIONS_PER_ADDRESS: '0',
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE_TIMEOUT_MS),
  });
});

afterAll(async () => {
  for (const stream of streams) stream.destroy();
  for (const socket of sockets) socket.destroy();
  await killAll([api]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** An SSE subscription (GraphQL over SSE, distinct connections) on its own socket, counting `next` events. */
function subscribe(url: string, licenseId: string, session: string) {
  const state = { ended: false, events: 0 };
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${session}` },
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE subscription answered HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (state.events += chunk.match(/^event: next$/gm)?.length ?? 0));
        res.on('close', () => (state.ended = true));
        resolve();
      },
    );
    req.on('error', (error) => {
      state.ended = true;
      reject(error);
    });
    req.end(JSON.stringify({ query: SLOT_EVENTS, variables: { licenseId } }));
    streams.push(req);
  });
  return { state, ready };
}

/** A connection that sends its request one byte at a time; records whether the server closed it first. */
function slowloris(url: string, part: 'headers' | 'body') {
  const { port } = new URL(url);
  const body = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(10_000) });
  const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Padding: ${'y'.repeat(1_000)}\r\n\r\n`;
  const state = { closedByServer: false, answer: '', bytesSent: 0 };
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  const trickled = part === 'headers' ? head : body;
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    if (part === 'body') socket.write(head);
    timer = setInterval(() => {
      if (state.bytesSent === trickled.length) return clearInterval(timer);
      socket.write(trickled[state.bytesSent++]!);
    }, TRICKLE_MS);
  });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (state.answer += chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      state.closedByServer = state.bytesSent < trickled.length;
      resolve();
    }),
  );
  return { state, closed };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${GUARD_MS} ms`)), GUARD_MS)),
  ]);
}

it(`answers activations beside ${SUBSCRIBERS} idle SSE subscribers and ${SLOWLORIS} slowloris connections, and closes the slow sockets`, async () => {
  const { url, pid } = api!;
  const limit = { test: execFileSync('sh', ['-c', 'ulimit -n']).toString().trim(), server: await openFileLimit(pid) };
  console.log(`open-file limits (ulimit -n; nothing raised): test process ${limit.test}, api process ${limit.server}`);

  const product = `slow-${randomBytes(4).toString('hex')}`;
  await operator('product create', { code: product, name: 'Slow Clients' });
  const idle = await issue(product, 5);
  const busy = await issue(product, ACTIVATIONS);
  const session = (await postGraphql(url, LOG_IN, { email: idle.email, password: idle.password })).body.data.logIn.sessionToken;

  const subscribers: ReturnType<typeof subscribe>[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 100) {
    const batch = Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, () => subscribe(url, idle.licenseId, session));
    await Promise.all(batch.map((s) => s.ready));
    subscribers.push(...batch);
  }
  const opened = Date.now();

  const lorises = Array.from({ length: SLOWLORIS }, (_, i) => ({ part: i % 2 === 0 ? ('headers' as const) : ('body' as const), ...slowloris(url, i % 2 === 0 ? 'headers' : 'body') }));

  const results = await Promise.all(
    Array.from({ length: ACTIVATIONS }, (_, i) => postGraphql(url, ACTIVATE, { input: machine(busy, `slow-pc-${i}`) }).then((r) => r.body?.data?.activateMachine?.__typename)),
  );
  const answered = results.filter((r) => r === 'ActivateMachineSuccess').length;

  await within(Promise.all(lorises.map((l) => l.closed)), 'the server closing every slowloris connection');
  const closedByServer = lorises.filter((l) => l.state.closedByServer);
  const timedOut = lorises.filter((l) => l.state.answer.startsWith('HTTP/1.1 408'));

  // An idle keep-alive connection after one request is closed by the server too.
  const keepAlive = connect(Number(new URL(url).port), '127.0.0.1');
  sockets.push(keepAlive);
  let keepAliveAnswer = '';
  keepAlive.setEncoding('utf8');
  keepAlive.on('data', (chunk: string) => (keepAliveAnswer += chunk));
  keepAlive.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await within(new Promise((resolve) => keepAlive.on('close', resolve)), 'the server closing an idle keep-alive connection');

  // The SSE streams have lived past every timeout above; one change of their license reaches them all.
  const waitedMs = Date.now() - opened;
  const change = await postGraphql(url, ACTIVATE, { input: machine(idle, 'idle-pc') });
  expect(change.body.data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  const deadline = Date.now() + GUARD_MS;
  while (subscribers.some((s) => s.state.events < 1 && !s.state.ended) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reached = subscribers.filter((s) => s.state.events === 1 && !s.state.ended).length;

  console.log(
    `${ACTIVATIONS} activations answered ${answered} with a slot while ${SUBSCRIBERS} SSE subscribers and ${SLOWLORIS} slowloris connections were open; ` +
      `slowloris: ${closedByServer.length} closed by the server before their request was complete (${timedOut.length} with HTTP 408), ` +
      `headers ${lorises.filter((l) => l.part === 'headers' && l.state.closedByServer).length}, bodies ${lorises.filter((l) => l.part === 'body' && l.state.closedByServer).length}; ` +
      `idle keep-alive connection closed by the server; ${reached} of ${SUBSCRIBERS} SSE subscribers still open and sent the next event after ${Math.round(waitedMs / 1000)} s`,
  );
  expect(answered).toBe(ACTIVATIONS);
  expect(closedByServer).toHaveLength(SLOWLORIS);
  expect(keepAliveAnswer).toMatch(/^HTTP\/1\.1 200/);
  expect(keepAliveAnswer).toMatch(new RegExp(`^keep-alive: timeout=${KEEPALIVE_TIMEOUT_MS / 1000}\r$`, 'im'));
  expect(waitedMs).toBeGreaterThan(REQUEST_TIMEOUT_MS);
  expect(reached).toBe(SUBSCRIBERS);
});
