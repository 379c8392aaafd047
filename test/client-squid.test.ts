// The SDK through Debian's stock squid (issue #15): its default access rules (`deny !Safe_ports`,
// `deny CONNECT !SSL_ports`: tunnels only to 443) plus Basic auth through `basic_ncsa_auth`, as a
// corporate proxy is set up. An http:// server is reached by plain requests in absolute form, an
// https:// one (a self-signed certificate the SDK is told to trust, on 443 of a loopback address of
// its own) through a CONNECT tunnel; squid's access.log shows which way each request went.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Listening } from '@slotkeeper/api/server';
import { type ClientOptions, type SlotkeeperClient, createClient } from '@slotkeeper/client/client';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { rejection } from './support/client.ts';
import { closedPort } from './support/proxy.ts';
import { type Squid, squidInstalled, startSquid } from './support/squid.ts';

const installed = squidInstalled;
if (!installed) console.warn('client-squid.test.ts skipped: Debian squid is not installed (apt-get install -y squid).');

const LOGIN = { user: 'alice', password: `proxy-${randomBytes(4).toString('hex')}` };
/** The https server's own loopback address, so that it can take port 443 (the only port stock squid tunnels to). */
const HTTPS_HOST = '127.0.44.1';

let t: TestApp;
let server: Listening;
let https: Server;
let cert: string;
let squid: Squid;
let squidAddress: string;
let dir: string;
let keys: JSONWebKeySet;
const clients: SlotkeeperClient[] = [];

beforeAll(async () => {
  if (!installed) return;
  squid = await startSquid(LOGIN);
  squidAddress = squid.address;
  dir = squid.dir;
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${HTTPS_HOST}`, '-addext', `subjectAltName=IP:${HTTPS_HOST}`,
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');

  t = await startTestApp();
  server = await t.listen();
  keys = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
  https = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, t.app.yoga);
  await new Promise<void>((resolve, reject) => https.once('error', reject).listen(443, HTTPS_HOST, resolve));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await new Promise((resolve) => (https ? https.close(resolve) : resolve(undefined)));
  await t?.close();
  await squid?.stop();
});

function client(options: Partial<ClientOptions>): SlotkeeperClient {
  const storageDir = mkdtempSync(join(dir, 'plugin-'));
  const created = createClient({
    serverUrl: server.url,
    storageDir,
    publicKeys: keys,
    fingerprint: `machine-${randomBytes(4).toString('hex')}`,
    proxy: { server: squidAddress, login: LOGIN.user, password: LOGIN.password },
    ...options,
  });
  clients.push(created);
  return created;
}

/** The whole plug-in round: activate, online check, license manager, deactivate. */
async function round(plugin: SlotkeeperClient) {
  const license = await t.seed.license({ leaseDays: 30 });
  const activated = await plugin.activate({ email: license.email, password: license.password, product: license.product });
  expect(activated.check.status).toBe('VALID');
  expect((await plugin.check({ online: true })).online).toEqual({ ok: true, renewed: false });
  const [listed] = await plugin.licenses({ email: license.email, password: license.password });
  expect(listed!.activations.map((a) => a.thisMachine)).toEqual([true]);
  expect(await plugin.deactivate()).toMatchObject({ licenseId: license.id, seatsUsed: 0 });
}

describe.skipIf(!installed)('through Debian squid with its stock rules and Basic auth', () => {
  it('an http:// server: plain requests in absolute form, with the login, never a CONNECT tunnel', async () => {
    const before = (await squid.accessLog(0)).length;
    await round(client({}));
    // activate, logIn, myLicenses, deactivate (the online check needs no request before half the lease)
    const lines = (await squid.accessLog(before + 4)).slice(before);
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toEqual({ status: 'TCP_MISS/200', method: 'POST', url: `${server.url}/graphql`, user: LOGIN.user });
    }
    console.log(`squid, http:// server: ${lines.length} of ${lines.length} requests in absolute form (TCP_MISS/200), no CONNECT`);
  });

  it('the same squid refuses a CONNECT tunnel to that port (how the SDK failed before)', async () => {
    const before = (await squid.accessLog(0)).length;
    const [host, port] = squidAddress.split(':') as [string, string];
    const basic = Buffer.from(`${LOGIN.user}:${LOGIN.password}`).toString('base64');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host, () =>
        socket.write(`CONNECT ${new URL(server.url).host} HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nProxy-Authorization: Basic ${basic}\r\n\r\n`),
      );
      socket.once('data', (chunk) => {
        resolve(chunk.toString('latin1').split('\r\n')[0]!);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(answer).toBe('HTTP/1.1 403 Forbidden');
    // squid writes its log line after the answer: wait for it here, so that it cannot land in the next test's window
    const lines = (await squid.accessLog(before + 1)).slice(before);
    expect(lines).toEqual([{ status: 'TCP_DENIED/403', method: 'CONNECT', url: new URL(server.url).host, user: '-' }]);
  });

  it('an https:// server with a certificate the SDK is told to trust: through a CONNECT tunnel to 443', async () => {
    const before = (await squid.accessLog(0)).length;
    await round(client({ serverUrl: `https://${HTTPS_HOST}`, ca: cert }));
    const lines = (await squid.accessLog(before + 1)).slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toEqual({ status: 'TCP_TUNNEL/200', method: 'CONNECT', url: `${HTTPS_HOST}:443`, user: LOGIN.user });
    console.log(`squid, https:// server: ${lines.length} CONNECT tunnel(s) to 443 (TCP_TUNNEL/200), nothing else`);
  });

  it('an https:// server whose certificate the SDK was not told to trust: refused, nothing activated', async () => {
    const license = await t.seed.license();
    const error = await rejection(client({ serverUrl: `https://${HTTPS_HOST}` }).activate({ email: license.email, password: license.password, product: license.product }));
    expect(error.code).toBe('SERVER_UNREACHABLE');
    expect(error.message).toContain('SELF_SIGNED_CERT');
    expect(await t.app.database.prisma.activation.count({ where: { licenseId: license.id } })).toBe(0);
  });

  it('no login or a wrong one: PROXY_AUTH_REFUSED for both schemes', async () => {
    for (const serverUrl of [server.url, `https://${HTTPS_HOST}`]) {
      const anonymous = await rejection(client({ serverUrl, ca: cert, proxy: { server: squidAddress } }).requestPasswordReset('x@example.com'));
      expect(anonymous.code, serverUrl).toBe('PROXY_AUTH_REFUSED');
      expect(anonymous.message, serverUrl).toBe(`The proxy ${squidAddress} requires a login (HTTP 407). Enter the proxy login and password; your IT department knows them.`);
      const wrong = await rejection(
        client({ serverUrl, ca: cert, proxy: { server: squidAddress, login: LOGIN.user, password: 'wrong' } }).requestPasswordReset('x@example.com'),
      );
      expect(wrong.code, serverUrl).toBe('PROXY_AUTH_REFUSED');
      expect(wrong.message, serverUrl).toContain(`refused the login "${LOGIN.user}"`);
    }
  });

  it("a port squid's rules forbid: PROXY_REFUSED; a server squid cannot reach: SERVER_UNREACHABLE, naming both hops", async () => {
    // 1000: below 1025 and not among stock squid's Safe_ports (nor among the ports fetch refuses itself).
    const refused = await rejection(client({ serverUrl: 'http://127.0.0.1:1000' }).requestPasswordReset('x@example.com'));
    expect(refused.code).toBe('PROXY_REFUSED');
    expect(refused.message).toBe(`The proxy ${squidAddress} does not allow connections to 127.0.0.1:1000 (HTTP 403). Ask your IT department to allow this address.`);

    const port = await closedPort();
    const down = await rejection(client({ serverUrl: `http://127.0.0.1:${port}` }).requestPasswordReset('x@example.com'));
    expect(down.code).toBe('SERVER_UNREACHABLE');
    expect(down.message).toMatch(new RegExp(`^The proxy ${squidAddress} could not reach the license server 127\\.0\\.0\\.1:${port} \\(it answered HTTP 50\\d\\)`));
  });
});
