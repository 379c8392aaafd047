import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  t.app.yoga.fetch(`http://slotkeeper.test${path}`, { headers });

it('/healthz and /readyz answer', async () => {
  expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready' });
});

it('/readyz answers 503 when the database is gone', async () => {
  const other = await startTestApp();
  await other.app.database.close();
  const response = await other.app.yoga.fetch('http://slotkeeper.test/readyz');
  expect(response.status).toBe(503);
  expect((await response.json()).status).toBe('unavailable');
  await other.app.close();
});

it('serves GraphiQL at /graphql to a browser in development', async () => {
  const response = await get('/graphql', { accept: 'text/html' });
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('GraphiQL');
});

it('answers malformed requests with a clear error and no internals', async () => {
  const bodies = ['{not json', JSON.stringify({ query: 'mutation {' }), JSON.stringify({ query: 42 }), JSON.stringify([])];
  for (const body of bodies) {
    const response = await t.app.yoga.fetch('http://slotkeeper.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status, body).toBeLessThan(500);
    const text = await response.text();
    expect(JSON.parse(text).errors?.length, body).toBeGreaterThan(0);
    expect(text, body).not.toMatch(/\.ts:\d+|node_modules|at async/);
  }
});

it('masks unexpected failures: no stack, no internal message', async () => {
  const other = await startTestApp();
  const license = await other.seed.license();
  await other.app.database.close();
  const response = await other.gql('mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { __typename } }', {
    e: license.email,
    p: license.password,
  });
  expect(response.errors?.[0]?.message).toBe('Unexpected error.');
  expect(JSON.stringify(response)).not.toMatch(/prisma|pglite|closed|\.ts:\d+/i);
  await other.app.close();
});

it("sends CORS headers only to the dashboard's own origin and CORS_ORIGINS, never to any other site", async () => {
  const allowed = await startTestApp({ database: t.app.database, config: { corsOrigins: ['http://slotkeeper.test', 'https://admin.vendor.example'] } });
  try {
    const preflight = (origin: string) =>
      allowed.app.yoga.fetch('http://slotkeeper.test/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
    const post = (origin: string) =>
      allowed.app.yoga.fetch('http://slotkeeper.test/graphql', {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    for (const origin of ['http://slotkeeper.test', 'https://admin.vendor.example']) {
      const answer = await preflight(origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
      expect((await post(origin)).headers.get('access-control-allow-origin')).toBe(origin);
    }
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    const read = await post('https://evil.example');
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect((await allowed.app.yoga.fetch('http://slotkeeper.test/healthz', { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    await allowed.close();
  }
});

it('reads CORS_ORIGINS beside PUBLIC_URL and refuses what is not an origin', async () => {
  const { loadConfig } = await import('@slotkeeper/api/config');
  expect(loadConfig({ PUBLIC_URL: 'https://licenses.vendor.example/', CORS_ORIGINS: 'https://admin.vendor.example, http://localhost:5173' }, '').corsOrigins).toEqual([
    'https://licenses.vendor.example',
    'https://admin.vendor.example',
    'http://localhost:5173',
  ]);
  expect(() => loadConfig({ CORS_ORIGINS: 'https://admin.vendor.example/path' }, '')).toThrow(/CORS_ORIGINS must list origins/);
  expect(() => loadConfig({ CORS_ORIGINS: '*' }, '')).toThrow(/CORS_ORIGINS must list origins/);
});

it('sends HSTS when PUBLIC_URL is https, and nosniff on the reset page', async () => {
  expect((await get('/healthz')).headers.get('strict-transport-security')).toBeNull();
  const https = await startTestApp({ database: t.app.database, config: { publicUrl: 'https://licenses.vendor.example' } });
  try {
    const answer = await https.app.yoga.fetch('http://slotkeeper.test/healthz');
    expect(answer.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  } finally {
    await https.close();
  }
  const page = await get('/reset-password?token=x');
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
});

it('GET / leads to the dashboard; other methods there are refused with Allow', async () => {
  for (const method of ['GET', 'HEAD']) {
    const root = await t.app.yoga.fetch('http://slotkeeper.test/', { method, redirect: 'manual' });
    expect(root.status, method).toBe(302);
    expect(root.headers.get('location'), method).toBe('/admin/');
  }
  const refused = await t.app.yoga.fetch('http://slotkeeper.test/', { method: 'POST', body: '{}' });
  expect(refused.status).toBe(405);
  expect(refused.headers.get('allow')).toBe('GET, HEAD');
  expect(await refused.json()).toEqual({ errors: [{ message: 'Use GET, HEAD for /.', extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
  // What it leads to: the dashboard (or, before `pnpm build`, the page that says how to build it).
  expect((await get('/admin/')).headers.get('content-type')).toBe('text/html; charset=utf-8');
});
