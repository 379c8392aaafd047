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
