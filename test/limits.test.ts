// GraphQL limits (depth, cost, aliases, tokens, directives, batch), request body size and
// introspection: just under each limit works, just over it is refused with a clear error, and a
// refused request does no work.
import { request as httpRequest } from 'node:http';
import { Lexer, Source, TokenKind, getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '@slotkeeper/api/config';
import { listen } from '@slotkeeper/api/server';
import { type TestApp, startTestApp, testConfig } from './support/app.ts';
import { ACTIVATE, LOG_IN, machine } from './support/operations.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

const limits = () => t.app.config.graphql;

function tokenCount(query: string): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

async function post(app: TestApp, body: unknown, token?: string) {
  const response = await app.app.yoga.fetch('http://slotkeeper.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

function expectRefused(response: { status: number; json: any }, limit: string, max: number) {
  expect(response.json.data, JSON.stringify(response.json)).toBeUndefined();
  expect(response.json.errors, JSON.stringify(response.json)).toHaveLength(1);
  const [error] = response.json.errors;
  expect(error.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit, max });
  expect(error.message).toContain(String(max));
  expect(error.message).not.toMatch(/^Syntax Error/);
}

function expectAccepted(response: { status: number; json: any }) {
  expect(response.json.errors, JSON.stringify(response.json)).toBeUndefined();
  expect(response.json.data).toBeDefined();
}

/** `{ licenses(first: 1) { edges { node { customer { licenses { … id } } } } } }`, `depth` fields deep. */
function deepQuery(depth: number): string {
  const chain = ['licenses(first: 1)', 'edges', 'node'];
  while (chain.length < depth - 1) chain.push(chain.length % 2 === 1 ? 'customer' : 'licenses');
  return `{ ${chain.map((f) => `${f} {`).join(' ')} id ${'}'.repeat(chain.length)} }`;
}

/**
 * A page of 500 licenses selecting `ids` ids. The cost (graphql-limits.ts): each field costs 1 plus
 * its selections, times the page size (licenses) or 1 (the page's edges).
 */
const costQuery = (ids: number) => `{ licenses(first: 500) { edges { node { ${'id '.repeat(ids)}} } } }`;
const costOf = (ids: number) => 500 * (1 + (1 + (1 + ids)));

describe('query limits', () => {
  it('depth: the limit passes, one more is refused', async () => {
    const { maxDepth } = limits();
    expectAccepted(await post(t, { query: deepQuery(maxDepth) }, tenants.tokens.vendor));
    expectRefused(await post(t, { query: deepQuery(maxDepth + 1) }, tenants.tokens.vendor), 'depth', maxDepth);
    console.log(`depth: ${maxDepth} accepted, ${maxDepth + 1} refused`);
  });

  it('cost: just under passes, just over is refused', async () => {
    const { maxCost } = limits();
    let ids = 1;
    while (costOf(ids + 1) <= maxCost) ids++;
    expect(costOf(ids + 1)).toBeGreaterThan(maxCost);
    expectAccepted(await post(t, { query: costQuery(ids) }, tenants.tokens.vendor));
    const refused = await post(t, { query: costQuery(ids + 1) }, tenants.tokens.vendor);
    expectRefused(refused, 'cost', maxCost);
    expect(refused.json.errors[0].message).toContain(`found ${costOf(ids + 1)}`);
    console.log(`cost: ${costOf(ids)} accepted, ${costOf(ids + 1)} refused (limit ${maxCost})`);
  });

  it('cost: nested lists multiply, so the 5-alias amplification query is refused before any resolver', async () => {
    const customer = await t.seed.license({ seats: 1 });
    const session = (await t.gql(LOG_IN, { email: customer.email, password: customer.password })).data.logIn.sessionToken;
    const chain = 'myLicenses { customer { licenses { activations { license { customer { licenses { id } } } } } } }';
    const query = `{ ${Array.from({ length: limits().maxAliases }, (_, i) => `a${i}: ${chain}`).join(' ')} }`;
    const refused = await post(t, { query }, session);
    expectRefused(refused, 'cost', limits().maxCost);
    console.log(`amplification (5 aliases of nested lists): ${refused.json.errors[0].message}`);
    // One level of nesting, as the dashboard and plug-ins ask, stays well under the limit.
    expectAccepted(await post(t, { query: '{ myLicenses { id activations { id machineName } } }' }, session));
  });

  it('cost: a page size in a variable counts like the literal, and a page over 500 is refused', async () => {
    const { maxCost } = limits();
    let ids = 1;
    while (costOf(ids + 1) <= maxCost) ids++;
    const variableQuery = (n: number) => `query($n: Int) { licenses(first: $n) { edges { node { ${'id '.repeat(n)}} } } }`;
    expectAccepted(await post(t, { query: variableQuery(ids), variables: { n: 500 } }, tenants.tokens.vendor));
    const refused = await post(t, { query: variableQuery(ids + 1), variables: { n: 500 } }, tenants.tokens.vendor);
    expectRefused(refused, 'cost', maxCost);
    expect(refused.json.errors[0].message).toContain(`found ${costOf(ids + 1)}`);
    // The same document with a small page passes: the cost is not cached with the document.
    expectAccepted(await post(t, { query: variableQuery(ids + 1), variables: { n: 10 } }, tenants.tokens.vendor));
    const page = 'query($n: Int) { licenses(first: $n) { totalCount } }';
    expectAccepted(await post(t, { query: page, variables: { n: 500 } }, tenants.tokens.vendor));
    expectRefused(await post(t, { query: page, variables: { n: 501 } }, tenants.tokens.vendor), 'pageSize', 500);
    expectRefused(await post(t, { query: '{ licenses(last: 501) { totalCount } }' }, tenants.tokens.vendor), 'pageSize', 500);
  });

  it('aliases: the limit passes, one more is refused', async () => {
    const { maxAliases } = limits();
    // GraphQL Armor doesn't count aliases of __typename, which cost nothing.
    const query = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    expectAccepted(await post(t, { query: query(maxAliases) }));
    expectRefused(await post(t, { query: query(maxAliases + 1) }), 'aliases', maxAliases);
  });

  it('tokens: the limit passes, one more is refused', async () => {
    const { maxTokens } = limits();
    // A long list literal: a thousand repeated fields would trip graphql-js's own overlap budget instead.
    const query = (ids: number) =>
      `mutation { changeLicenseSeats(input: { licenseId: "none", seats: 1, releaseActivationIds: [${'"x" '.repeat(ids)}] }) { __typename } }`;
    const ids = maxTokens - tokenCount(query(0));
    expect(tokenCount(query(ids))).toBe(maxTokens);
    expectAccepted(await post(t, { query: query(ids) }, tenants.tokens.vendor));
    expectRefused(await post(t, { query: query(ids + 1) }, tenants.tokens.vendor), 'tokens', maxTokens);
  });

  it('directives: the limit passes, one more is refused', async () => {
    const { maxDirectives } = limits();
    const query = (n: number) => `{ ${'... @include(if: true) { __typename } '.repeat(n)}}`;
    expectAccepted(await post(t, { query: query(maxDirectives) }));
    expectRefused(await post(t, { query: query(maxDirectives + 1) }), 'directives', maxDirectives);
  });

  it('the heaviest requests of the dashboard and the SDK pass', async () => {
    // The connection page the dashboard sends, with its widest selection and largest page.
    const page = await post(
      t,
      {
        query: `query($first: Int) { page: activations(first: $first) { totalCount edges { node { id machineName osUser activatedAt
          lastSeenAt releasedAt releaseReason license { id seats seatsUsed customer { id email } product { code name } } } } } }`,
        variables: { first: 500 },
      },
      tenants.tokens.vendor,
    );
    expectAccepted(page);
    expectAccepted(await post(t, { query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }) }));
  });

  it('a refused request does no work: no activation, no audited change', async () => {
    const license = await t.seed.license({ seats: 5 });
    const { maxAliases, maxDepth, maxTokens } = limits();
    const activate = (alias: string, fp: string) =>
      `${alias}: activateMachine(input: { email: "${license.email}", password: "${license.password}", product: "${license.product}",
        fingerprint: "${fp}", machineName: "PC", osUser: "alice" }) { __typename }`;
    const seats = (alias: string, selection = '__typename') =>
      `${alias}: changeLicenseSeats(input: { licenseId: "${license.id}", seats: 1 }) { ${selection} }`;
    let nested = 'id';
    for (let i = 0; i < maxDepth; i++) nested = `${(maxDepth - i) % 2 === 1 ? 'customer' : 'licenses'} { ${nested} }`;
    const overLimit = {
      aliases: `mutation { ${Array.from({ length: maxAliases + 1 }, (_, i) => (i % 2 ? activate(`a${i}`, `fp-${i}`) : seats(`s${i}`))).join(' ')} }`,
      depth: `mutation { ${activate('a', 'fp-depth')} ${seats('s', `... on ChangeLicenseSeatsSuccess { license { ${nested} } }`)} }`,
      tokens: `mutation { ${activate('a', 'fp-tokens')} ${seats('s')} ${'__typename '.repeat(maxTokens)}}`,
    };
    for (const [limit, query] of Object.entries(overLimit)) {
      const response = await post(t, { query }, tenants.tokens.vendor);
      expect(response.json.errors?.[0]?.extensions?.code, `${limit}: ${JSON.stringify(response.json)}`).toBe('QUERY_LIMIT_EXCEEDED');
    }
    const db = t.app.database.prisma;
    const activations = await db.activation.count({ where: { licenseId: license.id } });
    const audits = await db.auditEvent.count({ where: { subject: `license:${license.id}` } });
    const { seats: seatsNow } = await db.license.findUniqueOrThrow({ where: { id: license.id } });
    console.log(`after ${Object.keys(overLimit).length} refused requests: ${activations} activations, ${audits} audit events, seats ${seatsNow}`);
    expect({ activations, audits, seats: seatsNow }).toEqual({ activations: 0, audits: 0, seats: 5 });
    // The same operations within the limits do take effect: the check above could see them.
    const ok = await post(t, { query: `mutation { ${activate('a', 'fp-ok')} ${seats('s')} }` }, tenants.tokens.vendor);
    expectAccepted(ok);
    expect(await db.activation.count({ where: { licenseId: license.id } })).toBe(1);
    expect(await db.auditEvent.count({ where: { subject: `license:${license.id}` } })).toBe(1);
  });
});

describe('batching', () => {
  it('is off by default, with a clear refusal', async () => {
    expect(limits().batchLimit).toBe(0);
    const response = await post(t, [{ query: '{ __typename }' }]);
    expect(response.status).toBe(400);
    expect(response.json.errors[0]).toMatchObject({ message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST' } });
  });

  it('GRAPHQL_BATCH_LIMIT admits that many operations, and refuses a larger batch whole', async () => {
    const other = await startTestApp({ config: { graphql: { ...testConfig().graphql, batchLimit: 3 } } });
    try {
      const license = await other.seed.license({ seats: 10 });
      const op = (fp: string) => ({ query: ACTIVATE, variables: { input: machine(license, fp) } });
      const three = await post(other, [op('b1'), op('b2'), op('b3')]);
      expect(three.status).toBe(200);
      expect(three.json.map((r: any) => r.data.activateMachine.__typename)).toEqual(Array(3).fill('ActivateMachineSuccess'));
      const four = await post(other, [op('b4'), op('b5'), op('b6'), op('b7')]);
      expect(four.status).toBe(413);
      expect(four.json.errors[0].message).toBe('Batching is limited to 3 operations per request.');
      const live = await other.app.database.prisma.activation.count({ where: { licenseId: license.id } });
      console.log(`batch of 3: accepted; batch of 4: ${four.status}; activations ${live}`);
      expect(live).toBe(3);
    } finally {
      await other.close();
    }
  });
});

/** A raw HTTP POST; `chunked` sends the body without Content-Length, in 16 kB pieces. */
function rawPost(url: string, path: string, body: Buffer, options: { chunked?: boolean; contentType?: string } = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest(target, {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? 'application/json',
        ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    // The server may answer and close before it has read everything; the answer is what counts.
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    for (let offset = 0; offset < body.length; offset += 16_384) req.write(body.subarray(offset, offset + 16_384));
    req.end();
  });
}

/** A GraphQL request of exactly `size` bytes (padding in an unused variable). */
function bodyOf(size: number): Buffer {
  const empty = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
  return Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(size - empty.length) } }));
}

describe('request body size, over HTTP', () => {
  it('admits a body of the limit and refuses one byte more, declared or chunked', async () => {
    const { url } = await t.listen();
    const max = t.app.config.maxBodyBytes;
    const results: Record<string, number> = {};
    for (const chunked of [false, true]) {
      const atLimit = await rawPost(url, '/graphql', bodyOf(max), { chunked });
      expect(atLimit.status, atLimit.text).toBe(200);
      expect(JSON.parse(atLimit.text)).toEqual({ data: { __typename: 'Query' } });
      const over = await rawPost(url, '/graphql', bodyOf(max + 1), { chunked });
      expect(over.status, over.text).toBe(413);
      expect(JSON.parse(over.text).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
      results[chunked ? 'chunked' : 'content-length'] = over.status;
    }
    // Far over the limit: refused before the body is read.
    const huge = await rawPost(url, '/graphql', Buffer.alloc(5 * max, 'x'), { chunked: true });
    expect(huge.status).toBe(413);
    console.log(`body ${max} bytes: 200; ${max + 1} bytes: ${JSON.stringify(results)}; ${5 * max} chunked: ${huge.status}`);
  });

  it('bounds the password reset form too', async () => {
    const { url } = await t.listen();
    const max = t.app.config.maxBodyBytes;
    const form = Buffer.from(`token=x&newPassword=${'a'.repeat(max)}&newPasswordRepeat=a`);
    const type = 'application/x-www-form-urlencoded';
    expect((await rawPost(url, '/reset-password', form, { contentType: type })).status).toBe(413);
    expect((await rawPost(url, '/reset-password', form, { contentType: type, chunked: true })).status).toBe(413);
    // A normal form post still reaches the page (and is refused for its unknown code, not its size).
    const small = await rawPost(url, '/reset-password', Buffer.from('token=unknown&newPassword=a&newPasswordRepeat=a'), { contentType: type, chunked: true });
    expect(small.status).toBe(400);
    expect(small.text).toContain('<form');
  });
});

describe('WebSocket', () => {
  /** Opens a graphql-transport-ws connection and returns the messages of one subscribe. */
  async function wsSubscribe(url: string, query: string, variables?: Record<string, unknown>) {
    const socket = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const messages: any[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    while (!messages.some((m) => m.type === 'connection_ack')) await new Promise((resolve) => setTimeout(resolve, 10));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !messages.some((m) => m.type === 'error' || m.type === 'next')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.close();
    await closed;
    return messages;
  }

  it('applies the query limits to operations sent over WebSocket', async () => {
    const { url } = await t.listen();
    const { maxAliases, maxTokens } = limits();
    const aliases = `subscription { ${Array.from({ length: maxAliases + 1 }, (_, i) => `a${i}: slotUsageChanged { licenseId }`).join(' ')} }`;
    const tokens = `subscription { slotUsageChanged { ${'licenseId '.repeat(maxTokens)}} }`;
    for (const [limit, query] of [['aliases', aliases], ['tokens', tokens]] as const) {
      const messages = await wsSubscribe(url, query);
      const error = messages.find((m) => m.type === 'error');
      expect(error, JSON.stringify(messages)).toBeDefined();
      const codes = error.payload.map((e: any) => [e.extensions?.code, e.extensions?.limit]);
      expect(codes, JSON.stringify(error)).toContainEqual(['QUERY_LIMIT_EXCEEDED', limit]);
    }
  });

  it('applies the cost, with the variables, to operations sent over WebSocket', async () => {
    const { url } = await t.listen();
    const query = 'query($n: Int) { licenses(first: $n) { totalCount } }';
    const messages = await wsSubscribe(url, query, { n: 501 });
    const result = messages.find((m) => m.type === 'next');
    expect(result?.payload.errors?.[0]?.extensions, JSON.stringify(messages)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'pageSize' });
    expect(result.payload.data).toBeUndefined();
  });

  it('closes a connection that sends a message over MAX_BODY_BYTES', async () => {
    const max = 2_000;
    const listening = await listen(t.app.yoga, 0, '127.0.0.1', undefined, max);
    try {
      const socket = new WebSocket(listening.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(max) } }));
      // 1009: message too big (RFC 6455).
      expect(await closed).toBe(1009);
    } finally {
      await listening.close();
    }
  });
});

describe('introspection and GraphiQL', () => {
  it('are on in development', async () => {
    expect(limits().introspection).toBe(true);
    const response = await post(t, { query: '{ __schema { queryType { name } } }' });
    expect(response.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const graphiql = await t.app.yoga.fetch('http://slotkeeper.test/graphql', { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toContain('GraphiQL');
    const suggestion = await post(t, { query: '{ viewr { id } }' });
    expect(suggestion.json.errors[0].message).toContain('Did you mean "viewer"?');
  });

  it('are off with GRAPHQL_INTROSPECTION=false: no schema, no GraphiQL, no field suggestions', async () => {
    const other = await startTestApp({ config: { graphql: { ...testConfig().graphql, introspection: false } } });
    try {
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "License") { name } }']) {
        const response = await post(other, { query });
        expect(response.json.errors[0].message).toMatch(/introspection has been disabled/);
        expect(response.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      }
      // __typename is not introspection: clients select it on every union.
      expect((await post(other, { query: '{ __typename }' })).json).toEqual({ data: { __typename: 'Query' } });
      const graphiql = await other.app.yoga.fetch('http://slotkeeper.test/graphql', { headers: { accept: 'text/html' } });
      expect(await graphiql.text()).not.toContain('GraphiQL');
      const suggestion = await post(other, { query: '{ viewr { id } }' });
      expect(suggestion.json.errors[0].message).toContain('Cannot query field "viewr"');
      expect(suggestion.json.errors[0].message).not.toContain('viewer');
    } finally {
      await other.close();
    }
  });

  it('follow NODE_ENV (production unless development), and GRAPHQL_INTROSPECTION overrides it', () => {
    expect(loadConfig({}, '').graphql.introspection).toBe(false);
    expect(loadConfig({}, '').production).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }, '').graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }, '').production).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }, '').graphql.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }, '').graphql.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'FALSE' }, '').graphql.introspection).toBe(false);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'yes' }, '')).toThrow('GRAPHQL_INTROSPECTION must be true or false (got "yes").');
    expect(() => loadConfig({ GRAPHQL_MAX_DEPTH: '0' }, '')).toThrow(/GRAPHQL_MAX_DEPTH must be a whole number/);
    expect(() => loadConfig({ MAX_BODY_BYTES: '1MB' }, '')).toThrow(/MAX_BODY_BYTES must be a whole number/);
    expect(loadConfig({ GRAPHQL_BATCH_LIMIT: '4', GRAPHQL_MAX_COST: '900' }, '').graphql).toMatchObject({ batchLimit: 4, maxCost: 900 });
  });
});
