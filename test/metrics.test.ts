// /metrics as Prometheus scrapes it (real HTTP), after real operations; access rules; request ids and
// access lines in the log; and the no-secrets log check itself (global-setup.ts runs it on the whole run).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openEmbedded } from '@slotkeeper/api/database';
import type { Listening } from '@slotkeeper/api/server';
import { type TestApp, startTestApp } from './support/app.ts';
import { assertLogsClean, checkLogs } from './support/log-check.ts';
import { ACTIVATE, DEACTIVATE, LOG_IN, machine } from './support/operations.ts';
import { PASSWORD } from './support/seed.ts';
import { WAIT_MS, post, subscribeSlots, untilLive } from './support/subscriptions.ts';

type Labels = Record<string, string>;

/** The value of one series in Prometheus text format; 0 when the series is absent (never observed). */
function value(text: string, name: string, labels: Labels = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** Polls until `check` passes (a failure guard, not a measure): counts of async server-side work. */
async function eventually(check: () => Promise<void>) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const logLines = (t: TestApp) =>
  readFileSync(t.logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

let t: TestApp;
let http: Listening;

beforeAll(async () => {
  t = await startTestApp({ config: { rateLimitFailedLogins: 2 } });
  http = await t.listen();
});
afterAll(async () => {
  await t?.close();
});

describe('/metrics', () => {
  it('counts activations and denials by code, per-operation requests, and seats in use per product', async () => {
    const license = await t.seed.license({ seats: 2 });
    const before = await scrape(http.url);
    const activate = (input: ReturnType<typeof machine>) => post(http.url, ACTIVATE, { input });

    const first = (await activate(machine(license, 'm1'))).data.activateMachine;
    expect(first.__typename).toBe('ActivateMachineSuccess');
    expect((await activate(machine(license, 'm2'))).data.activateMachine.__typename).toBe('ActivateMachineSuccess');
    expect((await activate(machine(license, 'm3'))).data.activateMachine.code).toBe('NO_FREE_SLOT');
    expect((await activate({ ...machine(license, 'm3'), password: 'not the password' })).data.activateMachine.code).toBe('INVALID_CREDENTIALS');

    const after = await scrape(http.url);
    const moved = (name: string, labels: Labels) => value(after, name, labels) - value(before, name, labels);
    expect(moved('slotkeeper_activations_total', { result: 'ok' })).toBe(2);
    expect(moved('slotkeeper_activations_total', { result: 'NO_FREE_SLOT' })).toBe(1);
    expect(moved('slotkeeper_activations_total', { result: 'INVALID_CREDENTIALS' })).toBe(1);
    // The plugin's per-operation figures: 4 requests of activateMachine (the operation is named "Activate").
    const activateOp = { operation: 'activateMachine', operationType: 'mutation' };
    expect(moved('graphql_envelop_request_duration_count', activateOp)).toBe(4);
    expect(moved('graphql_yoga_http_duration_count', { ...activateOp, method: 'POST', statusCode: '200' })).toBe(4);
    expect(value(after, 'slotkeeper_seats_in_use', { product: license.product })).toBe(2);
    // The URL of a request (GET requests carry variables in it) is no label.
    expect(after).not.toMatch(/url="/);

    expect((await post(http.url, DEACTIVATE, { input: { token: first.token } })).data.deactivateMachine.__typename).toBe(
      'DeactivateMachineSuccess',
    );
    expect(value(await scrape(http.url), 'slotkeeper_seats_in_use', { product: license.product })).toBe(1);
  });

  it('labels operations by the root field from the schema, so client-chosen names add no series', async () => {
    for (let i = 0; i < 5; i++) await post(http.url, `query Chosen${i}ByTheClient { __typename }`, {});
    await post(http.url, 'query A { noSuchField }', {});
    await post(http.url, 'query B { myLicenses { id } __typename }', {});
    const text = await scrape(http.url);
    expect(text).not.toMatch(/ChosenByTheClient|Chosen\dByTheClient|noSuchField/);
    expect(value(text, 'graphql_envelop_request_duration_count', { operation: 'introspection', operationType: 'query' })).toBeGreaterThanOrEqual(5);
    expect(text).toMatch(/operation="multiple"/);
  });

  it('counts rate-limit refusals by limit, and the refused activations under RATE_LIMITED', async () => {
    const license = await t.seed.license();
    const before = await scrape(http.url);
    const wrong = { ...machine(license, 'pc'), password: 'not the password' };
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await post(http.url, ACTIVATE, { input: wrong })).data.activateMachine.code);
    // RATE_LIMIT_FAILED_LOGINS is 2 here: two wrong answers, then refusals.
    expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED', 'RATE_LIMITED']);
    const after = await scrape(http.url);
    const moved = (name: string, labels: Labels) => value(after, name, labels) - value(before, name, labels);
    expect(moved('slotkeeper_rate_limit_hits_total', { limit: 'failed_logins' })).toBe(2);
    expect(moved('slotkeeper_activations_total', { result: 'RATE_LIMITED' })).toBe(2);
  });

  it('counts live subscriptions per transport, and forgets them when the clients leave', async () => {
    const license = await t.seed.license();
    const session = (await post(http.url, LOG_IN, { email: license.email, password: license.password })).data.logIn.sessionToken;
    const sse = subscribeSlots('sse', http.url, license.id, session);
    const ws = subscribeSlots('ws', http.url, license.id, session);
    try {
      await untilLive(sse.results, license, http.url);
      await untilLive(ws.results, license, http.url);
      const live = await scrape(http.url);
      expect(value(live, 'slotkeeper_subscriptions', { transport: 'sse' })).toBe(1);
      expect(value(live, 'slotkeeper_subscriptions', { transport: 'ws' })).toBe(1);
    } finally {
      await sse.close();
      await ws.close();
    }
    await eventually(async () => {
      const gone = await scrape(http.url);
      expect(value(gone, 'slotkeeper_subscriptions', { transport: 'sse' })).toBe(0);
      expect(value(gone, 'slotkeeper_subscriptions', { transport: 'ws' })).toBe(0);
    });
  });

  it('shows the outbox by status and counts failed SMTP attempts', async () => {
    // A database of its own: the figures are exact, and this worker never touches other files' mail.
    const snapshot = inject('pgliteSnapshot');
    const pglite = snapshot ? new PGlite({ loadDataDir: new Blob([readFileSync(snapshot)]) }) : new PGlite();
    const database = await openEmbedded({ pglite });
    // Nothing listens on port 9 of the loopback: every delivery attempt fails at once.
    const failing = await startTestApp({ database, config: { smtpUrl: 'smtp://127.0.0.1:9' } });
    try {
      const own = await failing.listen();
      const product = await failing.seed.product();
      const expiresAt = new Date(Date.now() + 30 * 86_400_000);
      for (const name of ['a', 'b']) {
        await failing.app.services.licenses.issue('operator', { email: `outbox-${name}@example.com`, product: product.code, seats: 1, expiresAt });
      }
      await failing.app.mailWorker.drain();
      const text = await scrape(own.url);
      expect(value(text, 'slotkeeper_outbox_messages', { status: 'PENDING' })).toBe(2);
      expect(value(text, 'slotkeeper_outbox_messages', { status: 'FAILED' })).toBe(0);
      expect(value(text, 'slotkeeper_mail_send_failures_total')).toBe(2);
    } finally {
      await failing.close();
      await database.close();
    }
  });

  it('counts requests refused per client address', async () => {
    const limited = await startTestApp({ config: { rateLimitPerAddress: 3 } });
    try {
      const own = await limited.listen();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${own.url}/graphql?query=%7B__typename%7D`)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      // The scrape itself is one more request from the same address, refused too: read the registry.
      const text = await limited.app.metrics.registry.metrics();
      expect(value(text, 'slotkeeper_rate_limit_hits_total', { limit: 'per_address' })).toBe(2);
    } finally {
      await limited.close();
    }
  });
});

describe('/metrics access', () => {
  const TOKEN = 'metrics-token-0123456789';
  let guarded: TestApp;
  let closed: TestApp;
  beforeAll(async () => {
    [guarded, closed] = await Promise.all([
      startTestApp({ config: { production: true, metricsToken: TOKEN } }),
      startTestApp({ config: { production: true, metricsToken: null } }),
    ]);
  });
  afterAll(async () => {
    await guarded?.close();
    await closed?.close();
  });
  const get = (app: TestApp, authorization?: string) =>
    app.app.yoga.fetch('http://slotkeeper.test/metrics', { headers: authorization ? { authorization } : {} });

  it('with METRICS_TOKEN answers only its bearer', async () => {
    expect((await get(guarded)).status).toBe(401);
    expect((await get(guarded, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await get(guarded, `Basic ${TOKEN}`)).status).toBe(401);
    const ok = await get(guarded, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('slotkeeper_seats_in_use');
  });

  it('is absent in production without METRICS_TOKEN, and open in development', async () => {
    expect((await get(closed)).status).toBe(404);
    expect((await get(closed, 'Bearer anything-at-all-here')).status).toBe(404);
    expect((await fetch(`${http.url}/metrics`)).status).toBe(200);
  });
});

describe('logs', () => {
  it('give every request an id (a sane incoming one is kept), return it, and write one access line with it', async () => {
    const license = await t.seed.license();
    const send = (requestId?: string) =>
      fetch(`${http.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(requestId !== undefined ? { 'x-request-id': requestId } : {}) },
        body: JSON.stringify({ query: ACTIVATE, variables: { input: machine(license, 'logged') } }),
      });
    const kept = await send('trace-42.a:b');
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a:b');
    const replaced = [(await send('no spaces allowed')).headers.get('x-request-id'), (await send('x'.repeat(129))).headers.get('x-request-id')];
    const generated = (await send()).headers.get('x-request-id');
    for (const id of [...replaced, generated]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set([...replaced, generated]).size).toBe(3);

    const access = logLines(t).filter((l) => l.msg === 'request' && l.requestId === 'trace-42.a:b');
    expect(access).toEqual([
      expect.objectContaining({ level: 'info', method: 'POST', path: '/graphql', status: 200, operationName: 'Activate', ms: expect.any(Number) }),
    ]);
    expect(logLines(t).some((l) => l.msg === 'request' && l.requestId === generated)).toBe(true);
  });

  it('hold none of the secrets the requests carried', async () => {
    // This file's own log; global-setup.ts checks every file of the run the same way at the end.
    expect(readFileSync(t.logFile, 'utf8')).not.toContain(PASSWORD);
    const { lines, leaks } = checkLogs(join(t.logFile, '..'));
    expect(lines).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});

describe('the no-secrets check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slotkeeper-logcheck-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const line = (msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level: 'info', time: new Date().toISOString(), msg, ...extra });

  it('finds each kind of secret, and passes clean lines', () => {
    const planted = [
      line('login', { password: PASSWORD }),
      line('new password Abcde-Fghjk-Mnpqr-Stuv2'),
      line('session sks_0123456789abcdefABCDEF_-xyz'),
      line('staff sst_0123456789abcdefABCDEF_-xyz'),
      line('reset skr_0123456789abcdefABCDEF_-xyz'),
      line('token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln'),
      line('headers', { authorization: 'Bearer abcdefgh12345678' }),
      line('changed', { newPassword: 'Tr0mbone-Glacier-42' }),
    ];
    writeFileSync(join(dir, 'leaky.log'), `${planted.join('\n')}\n`);
    writeFileSync(join(dir, 'clean.log'), `${line('request', { requestId: '0f8e1c1e-2b7d-4c55-9e0e-6f1b0a7f7d11', path: '/graphql' })}\n`);
    const { files, lines, leaks } = checkLogs(dir);
    expect({ files, lines }).toEqual({ files: 2, lines: planted.length + 1 });
    expect(leaks.map((l) => l.split(': ')[0])).toEqual(planted.map((_, i) => `leaky.log:${i + 1}`));
    expect(() => assertLogsClean(dir)).toThrow(/not clean/);
  });

  it("fails on log files without a single line, and on lines that are not the logger's JSON", () => {
    const empty = mkdtempSync(join(tmpdir(), 'slotkeeper-logcheck-'));
    try {
      writeFileSync(join(empty, 'a.log'), '');
      expect(() => assertLogsClean(empty)).toThrow(/not one line/);
      writeFileSync(join(empty, 'a.log'), 'Slotkeeper listening on http://localhost:4000/graphql\n');
      expect(() => assertLogsClean(empty)).toThrow(/not clean/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
