// Fuzzing (fast-check): FUZZ_RUNS generated requests (default 10,000) across every query, mutation
// and subscription of the schema — typed but hostile variables (wrong types, nulls, huge strings,
// unicode, real ids of other tenants), broken query text, random JSON bodies, wrong content types,
// random methods and paths, garbage bytes on a raw socket — in-process through yoga.fetch, and a
// share over a real HTTP socket. Fails on any of:
//   - a response with status 5xx;
//   - an unmasked internal message: a stack frame, a source path, or a database/driver/runtime error
//     text (UNMASKED_PATTERN below, not counting what the request itself sent) anywhere in a JSON or text answer;
//   - a masked failure ("Unexpected error."): bad input must get a clear code, so each one is a bug;
//   - a request that gets no answer.
// Then the server must still be healthy: /healthz, /readyz and a real activation succeed.
// FUZZ_SEED replays a run (the seed is printed).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  buildSchema,
  doTypesOverlap,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.ts';
import { ACTIVATE, machine } from '../support/operations.ts';
import { PASSWORD } from '../support/seed.ts';
import { STAFF_PASSWORD, type Tenants, setUpTenants } from '../support/tenants.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Every SOCKET_SHARE-th request goes over a real socket instead of in-process. */
const SOCKET_SHARE = Number(process.env.FUZZ_SOCKET_SHARE ?? 10);
const CONCURRENCY = 4;
/** How long a streamed answer is read before the test leaves it. */
const STREAM_MS = 1_000;

/**
 * What must never reach a client: stack frames, source paths with line numbers, and the texts of
 * Prisma, PGlite/PostgreSQL and JavaScript runtime errors. A client's own input echoed back in a
 * validation message is not internal, so the generators never produce these words.
 */
// Written to run in linear time: answers echo inputs of 100 kB, and a backtracking pattern would stall
// the process (and with it the server under test) for seconds.
const UNMASKED_PATTERN =
  /\bat (async )?[\w$.<>[\]]+ \(|\.(ts|js|mjs|cjs):\d+|node_modules|prisma|pglite|postgres|violates|duplicate key|invalid input syntax|ECONN[A-Z]+|TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|\bP\d{4}\b/gi;

/**
 * Internal text in an answer, leaving out what the request itself sent: a validation message quotes
 * the client's own variables, and a fuzzed string such as "@p0272" is not a Prisma error code.
 */
function unmaskedText(answer: string, request: FuzzRequest): boolean {
  const sent = request.body ?? `${request.path} ${request.raw?.toString('latin1') ?? ''}`;
  return [...answer.matchAll(UNMASKED_PATTERN)].some(([match]) => !sent.toLowerCase().includes(match.toLowerCase()));
}

const schema = buildSchema(readFileSync(new URL('../../packages/schema/schema.graphql', import.meta.url), 'utf8'));
const errorInterface = schema.getType('Error')!;
const roots = [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!] as GraphQLObjectType[];
const operations = roots.flatMap((root) =>
  Object.values(root.getFields()).map((field) => ({ kind: root.name.toLowerCase() as 'query' | 'mutation' | 'subscription', field })),
);

let t: TestApp;
let url: string;
let tenants: Tenants;
let pools: { emails: string[]; passwords: string[]; products: string[]; ids: string[]; tokens: string[] };

async function freshTenants() {
  tenants = await setUpTenants(t);
  const license = await tenants.licenseOfA();
  const staff = await t.app.database.prisma.staffUser.findMany({ where: { id: { in: Object.values(tenants.staffIds) } } });
  pools = {
    emails: [license.email, ...staff.map((s) => s.email), 'nobody@example.com', license.email.toUpperCase()],
    passwords: [PASSWORD, STAFF_PASSWORD, 'Str0ng-and-l0ng-enough!'],
    products: [license.product, 'no-such-product'],
    ids: [
      license.id,
      license.activationId,
      license.customerId,
      tenants.customerLicenseId,
      tenants.resellerA.id,
      tenants.resellerB.id,
      ...Object.values(tenants.staffIds),
      '00000000-0000-0000-0000-000000000000',
      'cl000000000000000000000000',
    ],
    tokens: [license.machineToken, ...Object.values(tenants.tokens)],
  };
}

beforeAll(async () => {
  t = await startTestApp();
  url = (await t.listen()).url;
  await freshTenants();
});
afterAll(() => t?.close());

// ---- generators --------------------------------------------------------------------------------

const hugeString = fc
  .tuple(fc.constantFrom(201, 1_000, 10_000, 60_000, 120_000), fc.constantFrom('a', 'é', '💥', '\u0000', ' ', '\\', '"'))
  .map(([n, c]) => c.repeat(n));
const oddString = fc.constantFrom(
  '', ' ', '\u0000', '\n\r\t', '\u202e', '\ud800', '\uffff', '${x}', "'; DROP TABLE x; --", '%s%n%x', '../../etc/passwd',
  '<script>alert(1)</script>', 'null', 'undefined', '0', '-1', 'NaN', 'Infinity', '1e309', '__proto__', 'constructor',
  'Bearer x', 'sks_', 'sst_', 'eyJhbGciOiJub25lIn0.e30.', '2026-02-30T25:61:61Z', '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'OffsetConnection:-1',
);
const anyString = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string() },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: hugeString },
    { weight: 3, arbitrary: oddString },
    { weight: 1, arbitrary: fc.emailAddress() },
    { weight: 4, arbitrary: fc.constantFrom(...pools.emails, ...pools.passwords, ...pools.products, ...pools.ids, ...pools.tokens) },
    { weight: 1, arbitrary: fc.constantFrom(...pools.ids).map((id) => Buffer.from(`OffsetConnection:${id}`).toString('base64')) },
  );
const anyInt = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1, 366, 367, 500, 501, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 1e308),
  fc.double(),
);
const wrongValue = fc.jsonValue({ maxDepth: 3 });
const anyDateTime = () =>
  fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    oddString,
    fc.integer(),
  );

function valueOf(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  const inner = isNonNullType(type) ? type.ofType : type;
  let typed: fc.Arbitrary<unknown>;
  if (isListType(inner)) typed = fc.array(valueOf(inner.ofType, depth + 1), { maxLength: depth > 1 ? 2 : 6 });
  else if (isEnumType(inner)) typed = fc.oneof(fc.constantFrom(...inner.getValues().map((v) => v.name)), anyString());
  else if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields());
    typed = fc
      .tuple(
        fc.record(Object.fromEntries(fields.map((f) => [f.name, valueOf(f.type, depth + 1)])), { requiredKeys: [] }),
        fc.option(fc.dictionary(fc.string({ maxLength: 10 }), wrongValue, { maxKeys: 2 }), { freq: 8 }),
      )
      .map(([record, extra]) => ({ ...record, ...extra }));
  } else if (isScalarType(inner) && inner.name === 'Int') typed = anyInt;
  else if (isScalarType(inner) && inner.name === 'Float') typed = fc.oneof(anyInt, fc.double());
  else if (isScalarType(inner) && inner.name === 'Boolean') typed = fc.boolean();
  else if (isScalarType(inner) && inner.name === 'DateTime') typed = anyDateTime();
  else typed = anyString();
  return fc.oneof({ weight: 12, arbitrary: typed }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrongValue });
}

/** A valid document for the operation, its variables typed as the schema says. */
function documentOf(kind: string, field: GraphQLField<unknown, unknown>): string {
  const defs = field.args.map((a) => `$${a.name}: ${a.type}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  let selection = '';
  if (isCompositeType(named)) {
    const errors = doTypesOverlap(schema, named, errorInterface as never) ? ' ... on Error { code message }' : '';
    selection = ` { __typename${errors} }`;
  }
  return `${kind} Fuzz${defs ? `(${defs})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
}

interface FuzzRequest {
  category: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Garbage bytes for the raw-socket category. */
  raw?: Buffer;
}

const authorization = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constantFrom(...pools.tokens).map((token) => `Bearer ${token}`) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', 'bearer sks_x', 'Bearer sst_', 'Bearer sks_' + 'a'.repeat(5000)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((s) => `Bearer ${s.replace(/[\r\n\0]/g, '')}`) },
  );

function requests(): fc.Arbitrary<FuzzRequest> {
  const json = { 'content-type': 'application/json' };
  const operation = fc.constantFrom(...operations);
  const accept = (kind: string) =>
    kind === 'subscription'
      ? fc.constantFrom('application/json', 'application/graphql-response+json', '*/*')
      : fc.constantFrom('application/json', 'application/graphql-response+json', 'text/event-stream', 'multipart/mixed', '*/*', 'text/html');
  const withAuth = (headers: Record<string, string>, auth: string | undefined) => (auth ? { ...headers, authorization: auth } : headers);

  // Typed documents with hostile variables.
  const variables = operation.chain(({ kind, field }) =>
    fc
      .tuple(fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueOf(a.type)])), { requiredKeys: [] }), authorization(), accept(kind))
      .map(([vars, auth, acceptHeader]): FuzzRequest => ({
        category: `variables:${kind}`,
        method: 'POST',
        path: '/graphql',
        headers: withAuth({ ...json, accept: acceptHeader }, auth),
        body: JSON.stringify({ query: documentOf(kind, field), variables: vars, operationName: 'Fuzz' }),
      })),
  );
  // The same over GET, where mutations must be refused.
  const get = operation.chain(({ kind, field }) =>
    fc.tuple(fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueOf(a.type)])), { requiredKeys: [] }), authorization()).map(
      ([vars, auth]): FuzzRequest => ({
        category: 'get',
        method: 'GET',
        path: `/graphql?${new URLSearchParams({ query: documentOf(kind, field), variables: JSON.stringify(vars).slice(0, 4000) })}`,
        headers: withAuth({ accept: 'application/json' }, auth),
      }),
    ),
  );
  // Broken query text: a valid document with characters cut, doubled or replaced, or random text.
  const brokenQuery = fc
    .tuple(operation, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.string({ unit: 'binary', maxLength: 3 })), { minLength: 1, maxLength: 4 }), authorization())
    .map(([{ kind, field }, edits, auth]): FuzzRequest => {
      let query = documentOf(kind, field);
      for (const [at, cut, insert] of edits) {
        const i = at % (query.length + 1);
        query = query.slice(0, i) + insert + query.slice(i + cut);
      }
      return { category: 'broken-query', method: 'POST', path: '/graphql', headers: withAuth(json, auth), body: JSON.stringify({ query, variables: {} }) };
    });
  const randomQuery = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), hugeString).map(
    (query): FuzzRequest => ({ category: 'broken-query', method: 'POST', path: '/graphql', headers: json, body: JSON.stringify({ query }) }),
  );
  // Random JSON bodies, and bodies that are not JSON at all.
  const randomJson = fc
    .oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ query: wrongValue, variables: wrongValue, operationName: wrongValue, extensions: wrongValue }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('{', '[', '{"query":', 'null', '""', '[]', '[{}]', '{"query":"{ __typename }","variables":"x"}', '\u0000'),
    )
    .map((body): FuzzRequest => ({ category: 'random-json', method: 'POST', path: '/graphql', headers: json, body }));
  // A valid request under another (or no) content type.
  const contentType = fc
    .tuple(
      operation,
      fc.oneof(
        fc.constantFrom('text/plain', 'application/graphql', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=x',
          'application/json; charset=utf-16', 'application/xml', '', 'application/json, text/plain', 'image/png'),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, '')),
      ),
      fc.boolean(),
    )
    .map(([{ kind, field }, type, raw]): FuzzRequest => {
      const query = documentOf(kind, field);
      return {
        category: 'content-type',
        method: 'POST',
        path: '/graphql',
        headers: type ? { 'content-type': type } : {},
        body: raw ? query : type.startsWith('multipart') ? `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query })}\r\n--x--` : JSON.stringify({ query }),
      };
    });
  // Random methods and paths, with or without a body.
  const methodPath = fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'FOO'),
      fc.oneof(
        fc.webPath().map((p) => p || '/'),
        fc.constantFrom('/graphql', '/graphql/', '/GRAPHQL', '/healthz', '/readyz', '/.well-known/jwks.json', '/reset-password', '/admin', '/admin/',
          '/admin/assets/x.js', '/admin/../../etc/passwd', '/metrics', '/rest', '//graphql', '/graphql?query=%', '/graphql?query={__typename}&variables=%7B',
          '/reset-password?token=%00', '/%2e%2e/%2e%2e/', '/graphql;x', '/graphql?extensions=1'),
      ),
      fc.option(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), { nil: undefined }),
      fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
    )
    .map(([method, path, body, type]): FuzzRequest => ({
      category: 'method-path',
      method,
      path,
      headers: { 'content-type': type },
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    }));
  // Garbage on a raw socket: random bytes, or a request line with broken headers.
  const raw = fc
    .oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 })).map(([line, header]) => Buffer.from(`POST /graphql HTTP/1.1\r\nHost: x\r\n${line}: ${header}\r\nContent-Length: 5\r\n\r\n{"a":`)),
      fc.constantFrom('GET / HTTP/9.9\r\n\r\n', 'POST /graphql HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'POST /graphql HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\n',
        'POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n').map((s) => Buffer.from(s)),
    )
    .map((bytes): FuzzRequest => ({ category: 'raw-socket', method: '', path: '', headers: {}, raw: bytes }));

  return fc.oneof(
    { weight: 50, arbitrary: variables },
    { weight: 6, arbitrary: get },
    { weight: 8, arbitrary: brokenQuery },
    { weight: 2, arbitrary: randomQuery },
    { weight: 10, arbitrary: randomJson },
    { weight: 8, arbitrary: contentType },
    { weight: 10, arbitrary: methodPath },
    { weight: 3, arbitrary: raw },
  );
}

// ---- sending and judging -----------------------------------------------------------------------

interface Outcome {
  status: number | null;
  text: string;
  contentType: string;
  transport: 'in-process' | 'socket';
  /** The body was still streaming when the test stopped reading (a live subscription). */
  open?: boolean;
}

async function rawExchange(bytes: Buffer): Promise<Outcome> {
  const port = Number(new URL(url).port);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => {
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : null, text, contentType: 'text/plain', transport: 'socket' });
    };
    // An incomplete request waits for more bytes (until the server's headers timeout): no answer is
    // expected then, and the socket is closed after a moment.
    const timer = setTimeout(done, 1_000);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

async function send(request: FuzzRequest, overSocket: boolean): Promise<Outcome> {
  if (request.raw) return rawExchange(request.raw);
  // A copy: the fetch implementations add headers (content-length) to the object they are given.
  const init: RequestInit = { method: request.method, headers: { ...request.headers }, body: request.body, signal: AbortSignal.timeout(20_000) };
  const response = overSocket ? await fetch(url + request.path, init) : await t.app.yoga.fetch(`http://slotkeeper.test${request.path}`, init);
  const { text, open } = await readWithin(response, STREAM_MS);
  return { status: response.status, text, contentType: response.headers.get('content-type') ?? '', transport: overSocket ? 'socket' : 'in-process', open };
}

/**
 * The answer's body, read for at most `ms`: an accepted subscription streams (SSE, multipart) until the
 * client leaves, so a body still open then is a live subscription, not a hung request.
 */
async function readWithin(response: Response, ms: number): Promise<{ text: string; open: boolean }> {
  if (!response.body) return { text: '', open: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + ms;
  let text = '';
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    if (chunk === null) {
      await reader.cancel().catch(() => undefined);
      return { text, open: true };
    }
    if (chunk.done) return { text: text + decoder.decode(), open: false };
    text += decoder.decode(chunk.value, { stream: true });
  }
}

function readable(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

interface Tally {
  requests: number;
  byStatus: Record<string, number>;
  server5xx: number;
  unmasked: number;
  masked: number;
  noAnswer: number;
  clientRefused: number;
  /** Subscriptions accepted and still streaming when the test left them. */
  streaming: number;
}

it(`${RUNS} fuzzed requests: no 5xx, no internal message, no masked failure, server healthy after`, async () => {
  const started = Date.now();
  const inputs = fc.sample(requests(), { numRuns: RUNS, seed: SEED });
  const tallies = new Map<string, Tally>();
  const findings: { kind: string; request: FuzzRequest; outcome?: Outcome; error?: string }[] = [];
  let socketCount = 0;

  const tally = (category: string) => {
    let entry = tallies.get(category);
    if (!entry) tallies.set(category, (entry = { requests: 0, byStatus: {}, server5xx: 0, unmasked: 0, masked: 0, noAnswer: 0, clientRefused: 0, streaming: 0 }));
    return entry;
  };

  const judge = async (request: FuzzRequest, index: number) => {
    const entry = tally(request.category);
    entry.requests++;
    const overSocket = request.raw !== undefined || index % SOCKET_SHARE === 0;
    if (overSocket) socketCount++;
    let outcome: Outcome;
    try {
      outcome = await send(request, overSocket);
    } catch (error) {
      // fetch refuses some requests itself (a forbidden method, an invalid header value): never sent.
      if (error instanceof TypeError && !(error.cause instanceof Error && 'code' in error.cause)) {
        entry.clientRefused++;
        return;
      }
      entry.noAnswer++;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      findings.push({ kind: 'no answer', request, error: `${(error as Error).message} (${cause?.code}: ${cause?.message})` });
      return;
    }
    if (outcome.open) entry.streaming++;
    const statusKey = outcome.status === null ? 'none' : `${String(outcome.status)[0]}xx`;
    entry.byStatus[statusKey] = (entry.byStatus[statusKey] ?? 0) + 1;
    if (outcome.status !== null && outcome.status >= 500) {
      entry.server5xx++;
      findings.push({ kind: '5xx', request, outcome });
    }
    // Dashboard files and GraphiQL are pages and scripts, not answers to the request's content.
    const checked = !/text\/html|javascript|css/.test(outcome.contentType);
    if (checked && unmaskedText(outcome.text, request)) {
      entry.unmasked++;
      findings.push({ kind: 'unmasked', request, outcome });
    }
    if (outcome.text.includes('Unexpected error.')) {
      entry.masked++;
      findings.push({ kind: 'masked', request, outcome });
    }
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < inputs.length) {
        const index = next++;
        // Fuzzed mutations end sessions (new passwords, disabled staff): start afresh now and then so
        // that the authenticated paths stay reachable.
        if (index > 0 && index % 2_500 === 0) await freshTenants();
        await judge(inputs[index]!, index);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;

  const rows = [...tallies.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(`fuzz: ${RUNS} requests (seed ${SEED}) in ${seconds.toFixed(1)} s, ${socketCount} over a real socket`);
  console.table(Object.fromEntries(rows.map(([category, e]) => [category, { ...e, byStatus: JSON.stringify(e.byStatus) }])));
  const total = (key: 'server5xx' | 'unmasked' | 'masked' | 'noAnswer') => rows.reduce((sum, [, e]) => sum + e[key], 0);
  const totals = { server5xx: total('server5xx'), unmasked: total('unmasked'), masked: total('masked'), noAnswer: total('noAnswer') };
  console.log(`fuzz totals: ${JSON.stringify(totals)}`);
  const severity = ['5xx', 'unmasked', 'masked', 'no answer'];
  findings.sort((a, b) => severity.indexOf(a.kind) - severity.indexOf(b.kind));
  for (const finding of findings.slice(0, Number(process.env.FUZZ_SHOW ?? 10))) {
    const { request, outcome } = finding;
    console.log(
      `FINDING ${finding.kind}: ${request.method} ${readable(request.path).slice(0, 600)} ${JSON.stringify(request.headers).slice(0, 200)}\n` +
        `  body: ${(request.body ?? request.raw?.toString('latin1') ?? '').slice(0, 600)}\n` +
        `  answer: ${outcome?.status} ${(outcome?.text ?? finding.error ?? '').slice(0, 600)}`,
    );
  }

  // Still healthy: health, readiness, and a real activation end to end.
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const license = await t.seed.license({ seats: 1 });
  const activated = await t.gql(ACTIVATE, { input: machine(license, `after-fuzz-${randomBytes(3).toString('hex')}`) });
  expect(activated.data?.activateMachine.__typename, JSON.stringify(activated)).toBe('ActivateMachineSuccess');

  expect(rows.reduce((sum, [, e]) => sum + e.requests, 0)).toBe(RUNS);
  expect(totals).toEqual({ server5xx: 0, unmasked: 0, masked: 0, noAnswer: 0 });
});
