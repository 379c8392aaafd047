// The SDK behind a corporate proxy: a real HTTP proxy on loopback that requires a login. Every call
// must go through it, and each way of failing must say which hop failed. The server here is http://,
// so requests go to the proxy in absolute form, never as CONNECT tunnels (client-squid.test.ts has
// both schemes through Debian's squid).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Listening } from '@slotkeeper/api/server';
import { type ClientOptions, type SlotkeeperClient, createClient } from '@slotkeeper/client/client';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { type TestProxy, closedPort, startProxy } from './support/proxy.ts';
import { rejection } from './support/client.ts';

const PROXY_LOGIN = { user: 'corp\\alice', password: 'proxy pass: 1' };

let t: TestApp;
let server: Listening;
let proxy: TestProxy;
let keys: JSONWebKeySet;
const dirs: string[] = [];
const clients: SlotkeeperClient[] = [];

beforeAll(async () => {
  t = await startTestApp();
  server = await t.listen();
  proxy = await startProxy(PROXY_LOGIN);
  keys = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await proxy?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

function client(options: Partial<ClientOptions>): SlotkeeperClient {
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-proxy-'));
  dirs.push(dir);
  const created = createClient({
    serverUrl: server.url,
    storageDir: dir,
    publicKeys: keys,
    fingerprint: `machine-${randomBytes(4).toString('hex')}`,
    ...options,
  });
  clients.push(created);
  return created;
}

const graphqlUrl = () => new URL('/graphql', server.url).href;

async function liveSeats(licenseId: string) {
  return t.app.database.prisma.activation.count({ where: { licenseId, releasedAt: null } });
}

describe('through a proxy that requires a login', () => {
  it('without credentials: a clear proxy-login error, and nothing reached the server', async () => {
    const license = await t.seed.license();
    const seen = proxy.requests.length;
    const error = await rejection(
      client({ proxy: { server: proxy.address } }).activate({ email: license.email, password: license.password, product: license.product }),
    );
    expect(error.code).toBe('PROXY_AUTH_REFUSED');
    expect(error.message).toBe(
      `The proxy ${proxy.address} requires a login (HTTP 407). Enter the proxy login and password; your IT department knows them.`,
    );
    expect(proxy.requests.slice(seen)).toEqual([{ method: 'POST', target: graphqlUrl(), authorized: false }]);
    expect(await liveSeats(license.id)).toBe(0);
  });

  it('with a wrong password: the proxy refused that login, named', async () => {
    const license = await t.seed.license();
    const error = await rejection(
      client({ proxy: { server: proxy.address, login: PROXY_LOGIN.user, password: 'wrong' } }).activate({
        email: license.email,
        password: license.password,
        product: license.product,
      }),
    );
    expect(error.code).toBe('PROXY_AUTH_REFUSED');
    expect(error.message).toContain(`refused the login "${PROXY_LOGIN.user}"`);
  });

  it('with the login: activation, the online check and the license manager work, all through the proxy', async () => {
    const license = await t.seed.license({ leaseDays: 30 });
    const seen = proxy.requests.length;
    const plugin = client({ proxy: { server: `http://${proxy.address}`, login: PROXY_LOGIN.user, password: PROXY_LOGIN.password } });

    const activated = await plugin.activate({ email: license.email, password: license.password, product: license.product });
    expect(activated.check.status).toBe('VALID');
    expect(await liveSeats(license.id)).toBe(1);
    expect((await plugin.check({ online: true })).online).toEqual({ ok: true, renewed: false });
    const [listed] = await plugin.licenses({ email: license.email, password: license.password });
    expect(listed!.activations.map((a) => a.thisMachine)).toEqual([true]);

    const proxied = proxy.requests.slice(seen);
    expect(proxied.length).toBeGreaterThan(0);
    for (const request of proxied) expect(request).toEqual({ method: 'POST', target: graphqlUrl(), authorized: true });

    // All of it went through the proxy: without it, the same client reaches nothing.
    const down = await startProxy(PROXY_LOGIN);
    const address = down.address;
    await down.close();
    const cut = client({ proxy: { server: address, login: PROXY_LOGIN.user, password: PROXY_LOGIN.password } });
    expect((await rejection(cut.requestPasswordReset(license.email))).code).toBe('PROXY_UNREACHABLE');
  });
});

describe('clear errors for a wrong address', () => {
  it('a proxy address where no proxy listens: PROXY_UNREACHABLE, naming it and what to check', async () => {
    const port = await closedPort();
    const license = await t.seed.license();
    const error = await rejection(
      client({ proxy: { server: `127.0.0.1:${port}`, login: PROXY_LOGIN.user, password: PROXY_LOGIN.password } }).activate({
        email: license.email,
        password: license.password,
        product: license.product,
      }),
    );
    expect(error.code).toBe('PROXY_UNREACHABLE');
    expect(error.message).toBe(
      `Cannot connect to the proxy 127.0.0.1:${port} (ECONNREFUSED). Check the proxy address and port, or leave the proxy empty if your network needs none.`,
    );
  });

  it('a server the proxy cannot reach: SERVER_UNREACHABLE, saying the proxy answered but the server did not', async () => {
    const port = await closedPort();
    const error = await rejection(
      client({
        serverUrl: `http://127.0.0.1:${port}`,
        proxy: { server: proxy.address, login: PROXY_LOGIN.user, password: PROXY_LOGIN.password },
      }).requestPasswordReset('someone@example.com'),
    );
    expect(error.code).toBe('SERVER_UNREACHABLE');
    expect(error.message).toMatch(new RegExp(`^The proxy ${proxy.address} could not reach the license server 127\\.0\\.0\\.1:${port} \\(it answered HTTP \\d{3}\\)`));
  });

  it('a proxy address that is not one refuses at once with a usage message', () => {
    expect(() => client({ proxy: { server: 'ftp://proxy.corp' } })).toThrow(/is not a host, host:port or http\(s\):\/\/ URL/);
  });
});
