import { randomInt } from 'node:crypto';
import { BlockList } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@slotkeeper/api/config';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, LOG_IN, RENEW, machine } from './support/operations.ts';
import { wsUrl } from './support/subscriptions.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const activate = (app: TestApp, input: ReturnType<typeof machine>) =>
  app.gql(ACTIVATE, { input }).then((r) => r.data.activateMachine);

describe('failed password checks per login', () => {
  it('the 6th wrong password within a minute gets RATE_LIMITED with a retry time, and so does the right one then', async () => {
    const license = await t.seed.license();
    const wrong = { ...machine(license, 'pc'), password: 'wrong password' };
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await activate(t, wrong));
    expect(answers.slice(0, 5).map((a) => a.code)).toEqual(Array(5).fill('INVALID_CREDENTIALS'));
    expect(answers[5]).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(answers[5].retryAfterSeconds).toBeGreaterThan(0);
    expect(answers[5].retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await activate(t, machine(license, 'pc'))).code).toBe('RATE_LIMITED');
    const logIn = await t.gql(LOG_IN, { email: license.email, password: license.password });
    expect(logIn.data.logIn.code).toBe('RATE_LIMITED');
    expect(await t.app.database.prisma.activation.count({ where: { licenseId: license.id } })).toBe(0);
  });

  it('does not count successful checks: 20 activations with one login at once all succeed', async () => {
    const license = await t.seed.license({ seats: 20 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => activate(t, machine(license, `m-${i}`))));
    expect(results.map((r) => r.__typename)).toEqual(Array(20).fill('ActivateMachineSuccess'));
  });

  it('a burst of guesses sent at once gets no more password checks than the limit: the right one at the end is refused', async () => {
    const license = await t.seed.license();
    const guesses = Array.from({ length: 39 }, (_, i) => ({ ...machine(license, 'pc'), password: `guess ${i}` }));
    const results = await Promise.all([...guesses, machine(license, 'pc')].map((input) => activate(t, input)));
    const codes = results.map((r) => r.code ?? r.__typename);
    const count = (code: string) => codes.filter((c) => c === code).length;
    console.log(`burst of 40 (right password last): ${count('INVALID_CREDENTIALS')} INVALID_CREDENTIALS, ${count('RATE_LIMITED')} RATE_LIMITED`);
    // Checks still running count as failures: 5 wrong ones were checked, everything after was refused.
    expect(count('INVALID_CREDENTIALS')).toBe(5);
    expect(codes.at(-1)).toBe('RATE_LIMITED');
    expect(await t.app.database.prisma.activation.count({ where: { licenseId: license.id } })).toBe(0);
  });

  it.skipIf(!process.env.REDIS_URL)('holds across two api instances sharing Redis', async () => {
    const redisUrl = process.env.REDIS_URL!;
    const a = await startTestApp({ database: t.app.database, config: { redisUrl } });
    const b = await startTestApp({ database: t.app.database, config: { redisUrl } });
    try {
      const license = await t.seed.license();
      const wrong = { ...machine(license, 'pc'), password: 'wrong password' };
      const codes = [];
      for (let i = 0; i < 6; i++) codes.push((await activate(i % 2 ? a : b, wrong)).code);
      expect(codes).toEqual([...Array(5).fill('INVALID_CREDENTIALS'), 'RATE_LIMITED']);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('requests per client address', () => {
  it('refuses the address past the limit with HTTP 429 and Retry-After; other addresses and health checks pass', async () => {
    const limited = await startTestApp({
      database: t.app.database,
      config: { rateLimitPerAddress: 5, trustProxyHops: 1, redisUrl: process.env.REDIS_URL ?? null },
    });
    try {
      const { url } = await limited.listen();
      // Fresh addresses each run: with Redis the counters outlive the process.
      const address = () => `198.51.100.${randomInt(1, 255)}, 10.${randomInt(255)}.${randomInt(255)}.${randomInt(255)}`;
      const from = address();
      const post = (forwardedFor: string) =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await post(from)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await post(from);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await refused.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
      // Only the entry the trusted proxy appended counts: a forged left part does not reset the limit.
      expect((await post(`203.0.113.9, ${from.split(', ')[1]}`)).status).toBe(429);
      expect((await post(address())).status).toBe(200);
      expect((await fetch(`${url}/healthz`, { headers: { 'x-forwarded-for': from } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('ignores X-Forwarded-For from a peer that is not in TRUSTED_PROXIES: a client on the port cannot pick its address', async () => {
    const proxies = new BlockList();
    proxies.addSubnet('192.0.2.0', 24, 'ipv4');
    const limited = await startTestApp({
      database: t.app.database,
      config: { rateLimitPerAddress: 5, trustProxyHops: 1, trustedProxies: proxies, redisUrl: null },
    });
    try {
      const { url } = await limited.listen();
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        const forged = `198.51.100.${randomInt(1, 255)}, 10.0.${i}.${randomInt(255)}`;
        const answer = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forged },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('reads TRUSTED_PROXIES as addresses and CIDR ranges, loopback by default', () => {
    const standard = loadConfig({}, '').trustedProxies;
    expect(standard.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(standard.check('::1', 'ipv6')).toBe(true);
    expect(standard.check('10.0.0.2', 'ipv4')).toBe(false);
    const listed = loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,192.0.2.7' }, '').trustedProxies;
    expect(listed.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(listed.check('192.0.2.7', 'ipv4')).toBe(true);
    expect(listed.check('192.0.2.8', 'ipv4')).toBe(false);
    expect(listed.check('fd12::1', 'ipv6')).toBe(true);
    expect(listed.check('127.0.0.1', 'ipv4')).toBe(false);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad }, '')).toThrow(/TRUSTED_PROXIES must list IP addresses or CIDR ranges/);
    }
  });
});

describe('requests per client address, over WebSocket', () => {
  it('counts each operation on one socket: 100 logIn past the limit are refused with RATE_LIMITED, and the socket stays usable', async () => {
    const limited = await startTestApp({ database: t.app.database, config: { rateLimitPerAddress: 20 } });
    const { url } = await limited.listen();
    const client = createWsClient({ url: wsUrl(url), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const license = await limited.seed.license();
      const logIn = () => client.iterate({ query: LOG_IN, variables: { email: license.email, password: license.password } }).next();
      const answers = [];
      for (let i = 0; i < 100; i++) answers.push(((await logIn()).value as any));
      const ok = answers.filter((a) => a.data?.logIn.__typename === 'LogInSuccess').length;
      const refused = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
      console.log(`100 logIn over one WebSocket, limit 20 a minute: ${ok} ran, ${refused.length} RATE_LIMITED`);
      expect({ ok, refused: refused.length }).toEqual({ ok: 20, refused: 80 });
      expect(refused[0].errors[0].extensions.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused[0].errors[0].message).toMatch(/Too many requests/);
      // Answered on the same socket, not closed: a later operation still gets its (refused) answer.
      expect(((await logIn()).value as any).errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
      await limited.close();
    }
  });
});

describe('password checks per client address', () => {
  it('refuses operations that give a password past RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS, over HTTP and WebSocket alike; other operations still run', async () => {
    const limited = await startTestApp({ database: t.app.database, config: { rateLimitPasswordChecksPerAddress: 4, rateLimitPerAddress: 0 } });
    const { url } = await limited.listen();
    const client = createWsClient({ url: wsUrl(url), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const license = await limited.seed.license({ seats: 5 });
      const overHttp = async (query: string, variables: Record<string, unknown>) =>
        (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json();
      const activation = await overHttp(ACTIVATE, { input: machine(license, 'pc-pw-1') });
      expect(activation.data.activateMachine.__typename).toBe('ActivateMachineSuccess');
      const answers: any[] = [];
      for (let i = 0; i < 3; i++) answers.push(await overHttp(LOG_IN, { email: license.email, password: license.password }));
      for (let i = 0; i < 3; i++) {
        answers.push((await client.iterate({ query: LOG_IN, variables: { email: license.email, password: license.password } }).next()).value);
      }
      const ran = answers.filter((a) => a.data?.logIn.__typename === 'LogInSuccess').length;
      const refused = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'RATE_LIMITED').length;
      console.log(`password checks, limit 4 a minute: 1 activation + ${ran} logIn ran, ${refused} RATE_LIMITED (HTTP then WebSocket)`);
      expect({ ran, refused }).toEqual({ ran: 3, refused: 3 });
      // An operation without a password to check is not counted: renewing the token still works.
      const renewed = await overHttp(RENEW, { token: activation.data.activateMachine.token });
      expect(renewed.data.renewToken.__typename).toBe('RenewTokenSuccess');
    } finally {
      await client.dispose();
      await limited.close();
    }
  });
});
