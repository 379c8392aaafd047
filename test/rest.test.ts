// The REST bridge as a C# plug-in sees it: plain fetch over a real socket, JSON in and out.
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { schema } from '@slotkeeper/schema/schema/index';
import { openApiDocument } from '@slotkeeper/api/rest/bridge';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { decodeJwt } from 'jose';
import createClient, { type Middleware } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { machine } from './support/operations.ts';
import type { paths } from './generated/openapi.ts';

let t: TestApp;
let base: string;
// The operations go through a client generated from openapi.json (openapi-typescript's types,
// openapi-fetch), as an integrator's would; malformed requests, which no such client sends, through fetch.
let api: ReturnType<typeof createClient<paths>>;
beforeAll(async () => {
  t = await startTestApp();
  base = `${(await t.listen()).url}/rest`;
  api = createClient<paths>({ baseUrl: base });
  api.use(documented);
});
afterAll(() => t?.close());

const unique = () => randomBytes(4).toString('hex');

// Every answer these tests receive is checked against the committed OpenAPI document, as a client
// generated from it would parse it (ajv knows OpenAPI's `nullable`; the `__typename` enums pick the union member).
const committedDocument = JSON.parse(readFileSync(new URL('../packages/schema/openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(committedDocument, 'openapi.json');
const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const validated = { responses: 0, throughClient: 0, routes: new Set<string>(), statuses: new Set<number>() };
afterAll(() =>
  console.log(
    `validated ${validated.responses} responses (${validated.throughClient} through the openapi-fetch client) of ${validated.routes.size} routes ` +
      `(statuses ${[...validated.statuses].sort().join(', ')}) against openapi.json`,
  ),
);

function expectDocumented(method: string, path: string, status: number, json: unknown) {
  // A wrong method's 405 is documented on the path's one operation, as a client generated from the document expects it.
  const documented = Object.keys(committedDocument.paths[path] ?? {});
  const as = documented.includes(method.toLowerCase()) ? method.toLowerCase() : status === 405 ? documented[0] : undefined;
  if (!as) return;
  const response = committedDocument.paths[path][as].responses[String(status)];
  expect(response, `${method} ${path} answers ${status}, which openapi.json does not list`).toBeTruthy();
  const schemaRef = `openapi.json#/${pointer('paths', path, as, 'responses', String(status), 'content', 'application/json', 'schema')}`;
  const validate = ajv.getSchema(schemaRef) ?? ajv.compile({ $ref: schemaRef });
  expect(validate(json) ? [] : validate.errors, `${method} ${path} ${status}: ${JSON.stringify(json).slice(0, 300)}`).toEqual([]);
  validated.responses++;
  validated.routes.add(`${as} ${path}`);
  validated.statuses.add(status);
}

const documented: Middleware = {
  async onResponse({ request, response }) {
    expectDocumented(request.method, new URL(request.url).pathname.slice(new URL(base).pathname.length), response.status, await response.clone().json());
    validated.throughClient++;
  },
};

const bearer = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

type PostPath = { [P in keyof paths]: paths[P]['post'] extends { responses: unknown } ? P : never }[keyof paths];
type Input<P extends PostPath> = NonNullable<NonNullable<paths[P]['post']>['requestBody']>['content']['application/json']['input'];

/** A plug-in operation through the generated client: the answer's status, headers and JSON (success or error). */
async function post<P extends PostPath>(path: P, input: Input<P>, token?: string) {
  // openapi-fetch's overloads take one literal path at a time; the signature above keeps the caller's typed.
  const send = api.POST as (path: PostPath, init: { body: unknown; headers: Record<string, string> }) => ReturnType<typeof api.POST>;
  const { data, error, response } = await send(path, { body: { input }, headers: bearer(token) });
  return { status: response.status, headers: response.headers, json: (data ?? error) as any };
}

async function myLicenses(token?: string) {
  const { data, error, response } = await api.GET('/my-licenses', { headers: bearer(token) });
  return { status: response.status, headers: response.headers, json: (data ?? error) as any };
}

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...bearer(token) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json = JSON.parse(text);
  expectDocumented(method, path.split('?')[0]!, response.status, json);
  return { status: response.status, headers: response.headers, text, json };
}

async function activate(license: { email: string; password: string; product: string }, fingerprint = unique()) {
  const answer = await post('/activate-machine', machine(license, fingerprint));
  expect(answer.status).toBe(200);
  return answer.json;
}

async function logIn(license: { email: string; password: string }) {
  const answer = await post('/log-in', { email: license.email, password: license.password });
  expect(answer.json.__typename).toBe('LogInSuccess');
  return answer.json.sessionToken as string;
}

describe('machine operations', () => {
  it('activateMachine takes a slot and returns a signed token; the same machine keeps its slot', async () => {
    const license = await t.seed.license({ seats: 2 });
    const first = await activate(license, 'pc-1');
    expect(first).toMatchObject({
      __typename: 'ActivateMachineSuccess',
      activation: { __typename: 'Activation', machineName: 'PC-pc-1', osUser: 'alice' },
      license: { __typename: 'License', id: license.id, seats: 2, seatsUsed: 1, product: { code: license.product } },
    });
    expect(decodeJwt(first.token)).toMatchObject({ aud: license.product, lic: license.id, sub: first.activation.id });
    // Left out of REST answers: the customer record and a second copy of the license.
    expect(first.license).not.toHaveProperty('customer');
    expect(first.activation).not.toHaveProperty('license');

    const again = await activate(license, 'pc-1');
    expect(again.activation.id).toBe(first.activation.id);
    expect(again.license.seatsUsed).toBe(1);
  });

  it('activateMachine answers NO_FREE_SLOT and INVALID_CREDENTIALS as typed errors (HTTP 200)', async () => {
    const license = await t.seed.license({ seats: 1 });
    await activate(license);
    expect(await activate(license)).toEqual({
      __typename: 'NoFreeSlotError',
      code: 'NO_FREE_SLOT',
      message: expect.any(String),
      seats: 1,
      used: 1,
    });
    expect(await activate({ ...license, password: 'wrong password' })).toEqual({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
      message: expect.any(String),
    });
  });

  it('renewToken gives the same slot a fresh token; a forged token is INVALID_TOKEN', async () => {
    const license = await t.seed.license();
    const { token, activation } = await activate(license);
    const renewed = await post('/renew-token', { token });
    expect(renewed.status).toBe(200);
    expect(renewed.json).toMatchObject({ __typename: 'RenewTokenSuccess', activation: { id: activation.id } });
    expect(decodeJwt(renewed.json.token).sub).toBe(activation.id);

    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await post('/renew-token', { token: forged })).json).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
  });

  it('deactivateMachine frees the slot with the token, or with the login when the token is lost', async () => {
    const license = await t.seed.license();
    const { token } = await activate(license, 'by-token');
    await activate(license, 'by-login');
    const byToken = await post('/deactivate-machine', { token });
    expect(byToken.json).toMatchObject({ __typename: 'DeactivateMachineSuccess', license: { id: license.id, seatsUsed: 1 } });
    const byLogin = await post('/deactivate-machine', { email: license.email, password: license.password, product: license.product, fingerprint: 'by-login' });
    expect(byLogin.json).toMatchObject({ __typename: 'DeactivateMachineSuccess', license: { seatsUsed: 0 } });
    const wrong = await post('/deactivate-machine', { email: license.email, password: 'nope', product: license.product, fingerprint: 'x' });
    expect(wrong.json).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
    expect((await post('/deactivate-machine', { token: 'not-a-token' })).json.code).toBe('INVALID_TOKEN');
  });
});

describe('license manager (session)', () => {
  it('logIn returns a session that myLicenses and releaseActivation accept as a Bearer token', async () => {
    const license = await t.seed.license({ seats: 3 });
    const lost = await activate(license, 'lost-laptop');
    await activate(license, 'desk');
    const session = await logIn(license);

    const mine = await myLicenses(session);
    expect(mine.status).toBe(200);
    expect(mine.json).toHaveLength(1);
    expect(mine.json[0]).toMatchObject({ __typename: 'License', id: license.id, seats: 3, seatsUsed: 2, product: { code: license.product } });
    expect(mine.json[0].activations.map((a: { machineName: string }) => a.machineName).sort()).toEqual(['PC-desk', 'PC-lost-laptop']);

    const released = await post('/release-activation', { activationId: lost.activation.id }, session);
    expect(released.json).toMatchObject({ __typename: 'ReleaseActivationSuccess', license: { id: license.id, seatsUsed: 1 } });
    // Another customer's machine is not theirs to release.
    const stranger = await t.seed.license();
    const theirs = await activate(stranger);
    expect((await post('/release-activation', { activationId: theirs.activation.id }, session)).json.code).toBe('NOT_FOUND');
  });

  it('logIn with a wrong password is INVALID_CREDENTIALS', async () => {
    const license = await t.seed.license();
    const answer = await post('/log-in', { email: license.email, password: 'wrong password' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
  });

  it('without a valid session myLicenses is 401 and releaseActivation a FORBIDDEN result', async () => {
    for (const token of [undefined, 'not-a-session']) {
      const mine = await myLicenses(token);
      expect(mine.status, token).toBe(401);
      expect(mine.headers.get('www-authenticate')).toBe('Bearer');
      expect(mine.json.errors[0].extensions.code).toBe('FORBIDDEN');
      const release = await post('/release-activation', { activationId: 'x' }, token);
      expect(release.status).toBe(200);
      expect(release.json).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    }
  });
});

describe('passwords', () => {
  it('requestPasswordReset answers alike for any e-mail; resetPassword works once with the mailed code', async () => {
    const license = await t.seed.license();
    for (const email of [license.email, `nobody-${unique()}@example.com`]) {
      const answer = await post('/request-password-reset', { email });
      expect(answer.json).toEqual({ __typename: 'RequestPasswordResetSuccess', ok: true });
    }
    // The worker looks the login up and writes the reset after the answer.
    await t.app.mailWorker.drain();
    const mail = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to: license.email, template: 'password-reset' } });
    const code = t.mailLine(mail, 'Code');
    const newPassword = `rest bridge ${unique()} pass`;

    const mismatch = await post('/reset-password', { token: code, newPassword, newPasswordRepeat: `${newPassword}!` });
    expect(mismatch.json).toMatchObject({ __typename: 'PasswordsDoNotMatchError', code: 'PASSWORDS_DO_NOT_MATCH' });
    const reset = await post('/reset-password', { token: code, newPassword, newPasswordRepeat: newPassword });
    expect(reset.json).toEqual({ __typename: 'ResetPasswordSuccess', ok: true });
    const again = await post('/reset-password', { token: code, newPassword, newPasswordRepeat: newPassword });
    expect(again.json).toMatchObject({ __typename: 'ResetTokenInvalidError', code: 'RESET_TOKEN_INVALID' });
    await logIn({ email: license.email, password: newPassword });
  });

  it('changePassword needs the current password and a strong new one', async () => {
    const license = await t.seed.license();
    const newPassword = `changed ${unique()} by rest`;
    const input = { email: license.email, currentPassword: license.password, newPassword, newPasswordRepeat: newPassword };
    expect((await post('/change-password', { ...input, currentPassword: 'wrong password' })).json.code).toBe('INVALID_CREDENTIALS');
    expect((await post('/change-password', { ...input, newPassword: 'short', newPasswordRepeat: 'short' })).json.code).toBe('WEAK_PASSWORD');
    expect((await post('/change-password', input)).json).toEqual({ __typename: 'ChangePasswordSuccess', ok: true });
    await logIn({ email: license.email, password: newPassword });
  });
});

describe('malformed requests', () => {
  it('answers 400 with a BAD_REQUEST error, never 500 or a stack, for missing or malformed input', async () => {
    const license = await t.seed.license();
    const cases: [string, unknown][] = [
      ['/activate-machine', undefined],
      ['/activate-machine', '{not json'],
      ['/activate-machine', {}],
      ['/activate-machine', { input: { email: license.email, password: license.password } }],
      ['/activate-machine', { input: { ...machine(license, 'x'), osUser: 42 } }],
      ['/log-in', { input: 'me' }],
      ['/renew-token', { input: { token: null } }],
      ['/release-activation', { input: {} }],
    ];
    for (const [path, body] of cases) {
      const answer = await call('POST', path, body);
      const label = `${path} ${JSON.stringify(body)}`;
      expect(answer.status, label).toBe(400);
      expect(answer.json.errors[0].extensions.code, label).toBe('BAD_REQUEST');
      expect(answer.text, label).not.toMatch(/\.ts:\d+|node_modules|at async/);
    }
    const missing = await call('POST', '/activate-machine', { input: { email: license.email, password: license.password } });
    expect(missing.text).toContain('fingerprint');
  });

  it('answers 405 with Allow for the wrong method, 404 for paths that are not plug-in operations', async () => {
    const get = await call('GET', '/activate-machine');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const postList = await call('POST', '/my-licenses', {});
    expect(postList.status).toBe(405);
    expect(postList.headers.get('allow')).toBe('GET');
    // The admin API, SOFA's subscription webhooks and its CDN-loaded Swagger UI are not exposed.
    for (const path of ['/issue-license', '/staff-log-in', '/licenses', '/webhook', '/docs', '']) {
      expect((await call('POST', path, {})).status, path).toBe(404);
      expect((await call('GET', path)).status, path).toBe(404);
    }
  });

  it('masks unexpected failures as 500 "Unexpected error." with no internals', async () => {
    const other = await startTestApp();
    const license = await other.seed.license();
    const listening = await other.listen();
    await other.app.database.close();
    const response = await fetch(`${listening.url}/rest/log-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { email: license.email, password: license.password } }),
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).errors[0].message).toBe('Unexpected error.');
    expect(text).not.toMatch(/prisma|pglite|closed|\.ts:\d+/i);
    // The database is closed already: close the rest by hand.
    await listening.close();
    await other.app.close();
  });

  it('refuses a body over MAX_BODY_BYTES with 413 before reading it into a GraphQL variable', async () => {
    const huge = await call('POST', '/log-in', { input: { email: 'a@example.com', password: 'x'.repeat(t.app.config.maxBodyBytes + 1) } });
    expect(huge.status).toBe(413);
  });

  it('the per-address limit (HTTP 429 with Retry-After) covers /rest', async () => {
    const limited = await startTestApp({
      database: t.app.database,
      config: { rateLimitPerAddress: 3, trustProxyHops: 1, redisUrl: process.env.REDIS_URL ?? null },
    });
    try {
      const { url } = await limited.listen();
      // A fresh address each run: with Redis the counters outlive the process.
      const from = `198.51.100.${randomInt(1, 255)}, 10.${randomInt(255)}.${randomInt(255)}.${randomInt(255)}`;
      const statuses = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${url}/rest/request-password-reset`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
          body: JSON.stringify({ input: { email: `nobody-${unique()}@example.com` } }),
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      const refused = await last!.json();
      expect(refused.errors[0].extensions.code).toBe('RATE_LIMITED');
      expectDocumented('POST', '/request-password-reset', 429, refused);
    } finally {
      await limited.close();
    }
  });
});

type Json = Record<string, any>;

/** Root fields that stay GraphQL-only: the dashboard's admin API. An operation in neither list fails below. */
const DASHBOARD_ONLY = [
  'activations', 'auditEvents', 'customer', 'customers', 'license', 'licenses', 'mailMessages', 'products', 'resellers',
  'mailDelivery', 'seatUsage', 'staffUsers', 'viewer',
  'adminReleaseActivation', 'changeLicenseExpiry', 'changeLicenseSeats', 'changeStaffPassword', 'clearLoginLockout', 'createProduct',
  'createReseller', 'createStaff', 'disableStaff', 'issueLicense', 'openMailMessage', 'resendCredentials', 'sendPasswordReset',
  'setLicenseStatus', 'staffLogIn', 'staffLogOut', 'updateLicense', 'updateProduct',
  'webhookDeliveries', 'webhookEndpoint', 'webhookEndpoints', 'createWebhookEndpoint', 'deleteWebhookEndpoint',
  'resendWebhookDelivery', 'rotateWebhookSecret', 'updateWebhookEndpoint', 'trial', 'trials',
  'apiTokens', 'createApiToken', 'revokeApiToken', 'mergeResellers', 'renameReseller', 'updateCustomer',
];

/** The routes plug-ins are compiled against. */
const CONTRACT = {
  activateMachine: 'post /activate-machine',
  deactivateMachine: 'post /deactivate-machine',
  renewToken: 'post /renew-token',
  startTrial: 'post /start-trial',
  logIn: 'post /log-in',
  myLicenses: 'get /my-licenses',
  releaseActivation: 'post /release-activation',
  requestPasswordReset: 'post /request-password-reset',
  resetPassword: 'post /reset-password',
  changePassword: 'post /change-password',
};

describe('OpenAPI document', () => {
  let doc: Json;
  beforeAll(async () => {
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    doc = JSON.parse(await response.text());
  });

  const operations = () =>
    Object.entries<Json>(doc.paths).flatMap(([path, methods]) =>
      Object.entries<Json>(methods).map(([method, operation]) => ({ route: `${method} ${path}`, operation })),
    );

  it('lists exactly the plug-in operations, at their contract paths, under the /rest server', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.servers).toEqual([{ url: '/rest' }]);
    expect(Object.fromEntries(operations().map(({ route, operation }) => [operation.operationId, route]))).toEqual(CONTRACT);
  });

  it('has an operation for every GraphQL query and mutation that is not the admin API', () => {
    const roots = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()));
    const plugIn = roots.filter((field) => !DASHBOARD_ONLY.includes(field));
    expect(DASHBOARD_ONLY.filter((field) => !roots.includes(field)), 'DASHBOARD_ONLY names only existing fields').toEqual([]);
    expect(operations().map(({ operation }) => operation.operationId).sort()).toEqual(plugIn.sort());
  });

  it('describes each request body and each answer, with __typename as the discriminator of result unions', () => {
    const resolve = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')];
    for (const { route, operation } of operations()) {
      const field = (route.startsWith('get') ? schema.getQueryType() : schema.getMutationType())!.getFields()[operation.operationId]!;
      const answer = operation.responses['200'].content['application/json'].schema;
      if (route.startsWith('post')) {
        const body = operation.requestBody.content['application/json'].schema;
        expect(body.required, route).toEqual(['input']);
        expect(body.properties.input.$ref, route).toBe(`#/components/schemas/${field.args[0]!.type.toString().replace('!', '')}`);
        expect(resolve(body.properties.input.$ref).properties, route).toBeTruthy();
        expect(operation.parameters, route).toBeUndefined();
        expect(operation.responses['400'], route).toBeTruthy();
        const members = answer.oneOf.map((m: Json) => m.$ref.split('/').pop());
        expect(members.filter((m: string) => m.endsWith('Success')), route).toHaveLength(1);
        expect(Object.keys(answer.discriminator.mapping).sort(), route).toEqual([...members].sort());
        for (const member of members) {
          const component = doc.components.schemas[member];
          expect(component.required, `${route} ${member}`).toContain('__typename');
          expect(component.properties.__typename.enum, `${route} ${member}`).toEqual([member]);
          if (!member.endsWith('Success')) expect(component.required, `${route} ${member}`).toEqual(expect.arrayContaining(['code', 'message']));
        }
      } else {
        expect(answer).toEqual({ type: 'array', items: { $ref: '#/components/schemas/License' } });
      }
      const sessionOnly = ['myLicenses', 'releaseActivation'].includes(operation.operationId);
      expect(operation.security, route).toEqual(sessionOnly ? [{ session: [] }] : []);
      expect(operation.responses['405'], route).toBeTruthy();
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeTruthy();
    for (const admin of ['Customer', 'Reseller', 'StaffUser', 'AuditEvent', 'MailMessage', 'IssueLicenseInput', 'Query', 'Mutation']) {
      expect(doc.components.schemas, admin).not.toHaveProperty(admin);
    }
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const redocly = fileURLToPath(new URL('../node_modules/.bin/redocly', import.meta.url));
    const run = await promisify(execFile)(redocly, ['lint', '--format=json', 'packages/schema/openapi.json'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 60_000,
    }).catch((error: { stdout: string; stderr: string; code: number }) => error);
    const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    console.log(`redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
  });

  it("the client's generated types match openapi.json (run `pnpm generate` after a change)", async () => {
    const generator = fileURLToPath(new URL('../node_modules/.bin/openapi-typescript', import.meta.url));
    const run = await promisify(execFile)(generator, ['packages/schema/openapi.json', '-o', 'test/generated/openapi.ts', '--check'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      timeout: 60_000,
    }).catch((error: { stdout: string; stderr: string; code: number }) => error);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/not up-to-date|✘/);
    expect('code' in run ? run.code : 0).toBe(0);
  });

  it('the committed packages/schema/openapi.json matches (run `pnpm schema:print` after a change)', async () => {
    const committed = JSON.parse(readFileSync(new URL('../packages/schema/openapi.json', import.meta.url), 'utf8'));
    expect(doc).toEqual(committed);
    expect(await openApiDocument(schema)).toEqual(committed);
  });
});

it('examples/rest.sh runs end to end against a server', async () => {
  const license = await t.seed.license({ seats: 2 });
  const { stdout } = await promisify(execFile)('bash', [new URL('../examples/rest.sh', import.meta.url).pathname], {
    env: { ...process.env, SLOTKEEPER_SERVER: base.replace(/\/rest$/, ''), EMAIL: license.email, PASSWORD: license.password, PRODUCT: license.product },
    timeout: 30_000,
  });
  expect(stdout).toContain('activateMachine: ActivateMachineSuccess');
  expect(stdout).toContain('renewToken: RenewTokenSuccess');
  expect(stdout).toContain('logIn: LogInSuccess');
  expect(stdout).toContain('myLicenses: 1 license(s)');
  expect(stdout).toContain('releaseActivation: ReleaseActivationSuccess');
  expect(stdout).toContain('deactivateMachine: DeactivateMachineSuccess');
  expect(stdout).toContain('requestPasswordReset: RequestPasswordResetSuccess');
  expect(stdout).toContain('changePassword: ChangePasswordSuccess');
  expect(stdout).toContain('changePassword (back): ChangePasswordSuccess');
  expect(stdout).toContain('wrong password: InvalidCredentialsError INVALID_CREDENTIALS');
  // The script restores the password and frees every slot it took.
  expect((await t.app.database.prisma.activation.count({ where: { licenseId: license.id, releasedAt: null } }))).toBe(0);
  await logIn(license);
});
