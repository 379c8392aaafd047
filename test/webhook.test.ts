// Outbound webhooks against a real HTTP receiver: what is sent for each change, signed per Standard
// Webhooks and checked with the `standardwebhooks` package's own verifier; retries across receiver
// failures; tenant isolation; rotation; two workers; the private-address guard; disabling.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Caller } from '@slotkeeper/schema/services/caller';
import { MAX_ATTEMPTS, post, retryDelayMs } from '@slotkeeper/api/webhook-worker';
import { createWebhookSecrets, sealPlainWebhookSecrets } from '@slotkeeper/schema/services/webhook/secret';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, DEACTIVATE, machine } from './support/operations.ts';
import { freePort } from '../scripts/api-process.ts';
import { type Receiver, type Received, signatureHeaders, startReceiver } from './support/webhook-receiver.ts';

// The timeout leaves room for a loaded machine: an answer later than it is a failed attempt and a
// second delivery of the same message.
const WEBHOOKS = { retryBaseSeconds: 0.05, timeoutSeconds: 3, allowPrivate: true };
const tag = () => randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestApp;
let product: { code: string };

/** Runs the worker until `check` holds (a wait, not a timing assertion). */
async function deliverUntil(app: TestApp, check: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await app.app.webhookWorker.drain();
    await sleep(20);
  }
}

/** A fresh reseller with an admin, and an endpoint of that reseller pointing at `receiver`. */
async function tenant(receiver: Receiver, events?: string[]) {
  const name = `Hook Reseller ${tag()}`;
  const { staff } = await t.app.services.staff.create('operator', {
    email: `hook-admin-${tag()}@example.com`,
    role: 'RESELLER_ADMIN',
    reseller: name,
    password: 'Staff-Secret-2026!',
  });
  const { endpoint, secret } = await t.app.services.webhookEndpoints.add('operator', { url: receiver.url, reseller: name, events });
  const caller: Caller = {
    kind: 'staff',
    staffId: staff.id,
    email: staff.email,
    role: 'RESELLER_ADMIN',
    resellerId: staff.resellerId,
    sessionId: 'test',
    sessionExpiresAt: new Date(Date.now() + 3_600_000),
  };
  return { name, staff, endpoint, secret, caller };
}

function issue(reseller: string, seats = 1) {
  return t.app.services.licenses.issue('operator', {
    email: `buyer-${tag()}@example.com`,
    product: product.code,
    seats,
    expiresAt: new Date(Date.now() + 30 * 86_400_000),
    reseller,
  });
}

async function activate(issued: Awaited<ReturnType<typeof issue>>, fingerprint: string) {
  const { data } = await t.gql(ACTIVATE, {
    input: machine({ email: issued.customer.email, password: issued.password!, product: product.code }, fingerprint),
  });
  return data.activateMachine;
}

const ofType = (receiver: Receiver, type: string) => receiver.received.filter((r) => r.type === type);

beforeAll(async () => {
  t = await startTestApp({ config: { webhooks: WEBHOOKS } });
  product = await t.seed.product();
});

afterAll(async () => {
  await t?.close();
});

describe('events', () => {
  let receiver: Receiver;
  let hook: Awaited<ReturnType<typeof tenant>>;
  let issued: Awaited<ReturnType<typeof issue>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    hook = await tenant(receiver);
    issued = await issue(hook.name, 1);
  });
  afterAll(() => receiver.close());

  it('delivers customer.created and license.created for a purchase, signed so that standardwebhooks verifies them', async () => {
    await deliverUntil(t, () => ofType(receiver, 'license.created').length === 1, 'license.created');
    const [customer] = ofType(receiver, 'customer.created');
    const [license] = ofType(receiver, 'license.created');
    expect(customer!.data.customer).toMatchObject({ id: issued.customer.id, email: issued.customer.email });
    expect(license!.data.license).toMatchObject({ id: issued.license.id, seats: 1, status: 'ACTIVE', product: product.code, customerEmail: issued.customer.email });
    const verifier = new Webhook(hook.secret);
    for (const received of [customer!, license!]) {
      expect(hook.secret).toMatch(/^whsec_/);
      expect(received.headers['content-type']).toBe('application/json');
      expect(verifier.verify(received.body, signatureHeaders(received))).toEqual(JSON.parse(received.body));
    }
    // Another secret does not verify them: the signature is the endpoint's.
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(license!.body, signatureHeaders(license!))).toThrow();
  });

  it('delivers activation.created, slot.denied and activation.released (with its reason)', async () => {
    const first = await activate(issued, `fp-${tag()}`);
    expect(first.__typename).toBe('ActivateMachineSuccess');
    const denied = await activate(issued, `fp-${tag()}`);
    expect(denied.code).toBe('NO_FREE_SLOT');
    const { data } = await t.gql(DEACTIVATE, { input: { token: first.token } });
    expect(data.deactivateMachine.__typename).toBe('DeactivateMachineSuccess');

    await deliverUntil(t, () => ofType(receiver, 'activation.released').length === 1, 'activation.released');
    expect(ofType(receiver, 'activation.created')[0]!.data).toMatchObject({
      activation: { id: first.activation.id, machineName: first.activation.machineName, reason: null },
      license: { id: issued.license.id, seats: 1, seatsUsed: 1 },
    });
    expect(ofType(receiver, 'slot.denied')[0]!.data).toMatchObject({
      customerId: issued.customer.id,
      product: product.code,
      licenses: [{ id: issued.license.id, seats: 1, seatsUsed: 1 }],
    });
    expect(ofType(receiver, 'activation.released')[0]!.data).toMatchObject({
      activation: { id: first.activation.id, reason: 'DEACTIVATED' },
      license: { id: issued.license.id, seatsUsed: 0 },
    });
    // The fingerprint hash never leaves the server.
    expect(receiver.received.map((r) => r.body).join('')).not.toMatch(/fingerprint/i);
  });

  it('delivers license.updated for seats, status and expiry changes, and nothing for a change that failed', async () => {
    const second = await activate(issued, `fp-${tag()}`);
    const licenseId = issued.license.id;
    await t.app.services.licenses.update(hook.caller, { licenseId, seats: 3 });
    await t.app.services.licenses.update(hook.caller, { licenseId, action: 'SUSPEND' });
    const expiry = new Date(Date.now() + 90 * 86_400_000);
    await t.app.services.licenses.update(hook.caller, { licenseId, expiresAt: expiry });
    // Below the seats in use without releasing: refused, so no event either.
    await expect(t.app.services.licenses.update(hook.caller, { licenseId, seats: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    await deliverUntil(t, () => ofType(receiver, 'license.updated').length >= 3, 'three license.updated');
    await t.app.webhookWorker.drain();
    const updates = ofType(receiver, 'license.updated').map((r) => r.data);
    expect(updates).toHaveLength(3);
    expect(updates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ changed: ['seats'], license: expect.objectContaining({ seats: 3, seatsUsed: 1 }) }),
        expect.objectContaining({ changed: ['status'], license: expect.objectContaining({ status: 'SUSPENDED' }) }),
        expect.objectContaining({ changed: ['expiresAt'], license: expect.objectContaining({ expiresAt: expiry.toISOString() }) }),
      ]),
    );
    expect(second.__typename).toBe('ActivateMachineSuccess');
  });

  it('gives every event one webhook-id, the same on every attempt', async () => {
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const events = await t.app.database.prisma.webhookDelivery.findMany({ where: { endpointId: hook.endpoint.id }, select: { eventId: true } });
    expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(ids));
  });
});

describe('signatures and replays', () => {
  it('is refused by the verifier when replayed later, or with its timestamp changed', async () => {
    const receiver = await startReceiver();
    const hook = await tenant(receiver, ['license.created']);
    // The server's clock is 10 minutes behind: its deliveries arrive with a stale timestamp, as a
    // captured delivery replayed 10 minutes later would.
    t.clock.advance(-10 * 60_000);
    try {
      await issue(hook.name);
      await deliverUntil(t, () => receiver.received.length === 1, 'the delivery');
    } finally {
      t.clock.advance(10 * 60_000);
    }
    const [stale] = receiver.received;
    const verifier = new Webhook(hook.secret);
    expect(() => verifier.verify(stale!.body, signatureHeaders(stale!))).toThrow(/timestamp too old/i);
    // A fresh timestamp on the old signature: the signature no longer matches.
    const retimed = { ...signatureHeaders(stale!), 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
    expect(() => verifier.verify(stale!.body, retimed)).toThrow(/signature/i);
    // Only the event types the endpoint asked for were sent (no customer.created).
    expect(receiver.received.map((r) => r.type)).toEqual(['license.created']);
    await receiver.close();
  });

  it('signs with the old secret beside the new one for a day after a rotation', async () => {
    const receiver = await startReceiver();
    const hook = await tenant(receiver, ['license.created']);
    const { secret: rotated } = await t.app.services.webhookEndpoints.rotateSecret(hook.caller, hook.endpoint.id);
    expect(rotated).not.toBe(hook.secret);
    await issue(hook.name);
    await deliverUntil(t, () => receiver.received.length === 1, 'the first delivery');
    const [during] = receiver.received;
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(hook.secret).verify(during!.body, signatureHeaders(during!))).not.toThrow();
    expect(() => new Webhook(rotated).verify(during!.body, signatureHeaders(during!))).not.toThrow();

    t.clock.advance(25 * 3_600_000);
    try {
      await issue(hook.name);
      await deliverUntil(t, () => receiver.received.length === 2, 'the second delivery');
    } finally {
      t.clock.advance(-25 * 3_600_000);
    }
    const after = receiver.received[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    // Its timestamp is a day ahead of the real clock, so verify the signature alone (the verifier's own check).
    const body = after.body;
    const headers = signatureHeaders(after);
    const timestamp = new Date(Number(headers['webhook-timestamp']) * 1000);
    expect(new Webhook(rotated).sign(headers['webhook-id']!, timestamp, body)).toBe(headers['webhook-signature']);
    expect(new Webhook(hook.secret).sign(headers['webhook-id']!, timestamp, body)).not.toBe(headers['webhook-signature']);
    await receiver.close();
  });
});

describe('secrets at rest', () => {
  it('are sealed under the key-encryption key, bound to their endpoint; a plain one from before is sealed at start and still signs', async () => {
    const receiver = await startReceiver();
    const hook = await tenant(receiver, ['license.created']);
    const db = t.app.database.prisma;
    const stored = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: hook.endpoint.id } });
    expect(stored.secret).not.toContain(hook.secret.slice(6, 20));
    expect(stored.secret).not.toMatch(/^whsec_/);
    const secrets = createWebhookSecrets(t.app.config.keyEncryptionKey!);
    expect(secrets.open(hook.endpoint.id, stored.secret)).toBe(hook.secret);
    // Copied onto another endpoint's row, it does not open there.
    expect(() => secrets.open(randomUUID(), stored.secret)).toThrow(/cannot be decrypted/);

    // A row as the webhooks migration left it: plain secret and previous secret.
    const plain = `whsec_${randomBytes(32).toString('base64')}`;
    const previous = `whsec_${randomBytes(32).toString('base64')}`;
    await db.webhookEndpoint.update({ where: { id: hook.endpoint.id }, data: { secret: plain, previousSecret: previous, previousSecretUntil: new Date(Date.now() + 3_600_000) } });
    expect(await sealPlainWebhookSecrets(db, secrets)).toBeGreaterThanOrEqual(1);
    expect(await sealPlainWebhookSecrets(db, secrets)).toBe(0);
    const sealed = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: hook.endpoint.id } });
    expect([sealed.secret, sealed.previousSecret].some((v) => v!.startsWith('whsec_'))).toBe(false);
    await issue(hook.name);
    await deliverUntil(t, () => receiver.received.length === 1, 'the delivery');
    const [received] = receiver.received;
    expect(() => new Webhook(plain).verify(received!.body, signatureHeaders(received!))).not.toThrow();
    expect(() => new Webhook(previous).verify(received!.body, signatureHeaders(received!))).not.toThrow();
    await receiver.close();
  });
});

describe('retries', () => {
  it('retries across a 5xx, a timeout and a refused connection until a 2xx, and logs every attempt', async () => {
    const port = await freePort();
    // Nothing listens on the port yet: the first attempt is refused.
    const url = `http://127.0.0.1:${port}/hooks`;
    const name = `Retry Reseller ${tag()}`;
    await t.app.services.resellers.create({ kind: 'staff', staffId: 'op', email: 'op@example.com', role: 'VENDOR_ADMIN', resellerId: null, sessionId: 'x', sessionExpiresAt: new Date(Date.now() + 3_600_000) }, name);
    const { endpoint, secret } = await t.app.services.webhookEndpoints.add('operator', { url, reseller: name, events: ['license.created'] });
    const issued = await issue(name);
    const db = t.app.database.prisma;
    const attempts = () => db.webhookAttempt.findMany({ where: { delivery: { endpointId: endpoint.id } }, orderBy: { at: 'asc' } });
    await deliverUntil(t, async () => (await attempts()).length >= 1, 'the refused attempt');

    const receiver = await startReceiver(port);
    const plan: ('hang' | number)[] = [503, 'hang', 200];
    receiver.answer = () => plan.shift() ?? 200;
    await deliverUntil(t, () => receiver.received.length === 3, 'three attempts at the receiver');
    await deliverUntil(
      t,
      async () => (await db.webhookDelivery.findFirst({ where: { endpointId: endpoint.id } }))?.status === 'DELIVERED',
      'the delivery to succeed',
    );

    const log = await attempts();
    expect(log.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(log[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(log[1]).toMatchObject({ statusCode: 503, error: 'HTTP 503' });
    expect(log[2]).toMatchObject({ statusCode: null, error: expect.stringMatching(/no answer within 3 s/) });
    expect(log[3]).toMatchObject({ statusCode: 200, error: null });
    // The same message every time, and the last one verifies.
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    const last = receiver.received[2]!;
    expect(new Webhook(secret).verify(last.body, signatureHeaders(last))).toMatchObject({ type: 'license.created', data: { license: { id: issued.license.id } } });
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 4, lastStatusCode: 200, lastError: null });
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).failingSince).toBeNull();
    await receiver.close();
  });

  it('backs off exponentially with jitter, for about three days with the default base', () => {
    const base = 30_000;
    expect(retryDelayMs(1, base, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(2, base, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(3, base, () => 0)).toBe(90_000);
    expect(retryDelayMs(3, base, () => 1)).toBe(150_000);
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, base, () => 0.5)).reduce((a, b) => a + b, 0);
    expect(total / 86_400_000).toBeGreaterThan(2.5);
    expect(total / 86_400_000).toBeLessThan(3.5);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const receiver = await startReceiver();
    receiver.answer = () => 302;
    const result = await post(receiver.url, { 'content-type': 'application/json' }, '{"type":"x","data":{}}', { timeoutMs: 1000, allowPrivate: true });
    expect(result).toMatchObject({ statusCode: 302, error: null });
    expect(receiver.received).toHaveLength(1);
    await receiver.close();
  });

  it('disables an endpoint that failed for its whole retry window, e-mails its owner, and sends again once enabled', async () => {
    const receiver = await startReceiver();
    receiver.answer = () => 500;
    const hook = await tenant(receiver, ['license.created']);
    await issue(hook.name);
    const db = t.app.database.prisma;
    const endpointNow = () => db.webhookEndpoint.findUniqueOrThrow({ where: { id: hook.endpoint.id } });
    // Each retry is due at once when the clock moves a day ahead between passes.
    let moved = 0;
    try {
      await deliverUntil(
        t,
        async () => {
          if ((await endpointNow()).disabledAt) return true;
          t.clock.advance(86_400_000);
          moved += 86_400_000;
          return false;
        },
        'the endpoint to be disabled',
      );
    } finally {
      t.clock.advance(-moved);
    }
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: hook.endpoint.id } });
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: MAX_ATTEMPTS, lastStatusCode: 500 });
    const mail = await db.mailMessage.findMany({ where: { to: hook.staff.email, template: 'webhook-disabled' } });
    expect(mail).toHaveLength(1);
    expect(mail[0]!.data).toMatchObject({ url: receiver.url, endpointId: hook.endpoint.id });

    // Disabled: new events wait, nothing is sent.
    await issue(hook.name);
    await t.app.webhookWorker.drain();
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);

    receiver.answer = () => 204;
    await t.app.services.webhookEndpoints.update(hook.caller, hook.endpoint.id, { enabled: true });
    await deliverUntil(t, () => receiver.received.length === MAX_ATTEMPTS + 1, 'the waiting event');
    // "Send again" on the failed delivery delivers it, with the same webhook-id.
    await t.app.services.webhookEndpoints.resend(hook.caller, delivery.id);
    await deliverUntil(t, () => receiver.received.length === MAX_ATTEMPTS + 2, 'the resent delivery');
    expect(receiver.received.at(-1)!.id).toBe(delivery.eventId);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: 'DELIVERED' });
    await receiver.close();
  });
});

describe('tenants', () => {
  it("sends a reseller's endpoint its own tenant's events only, and the vendor's endpoint every tenant's", async () => {
    const receiverA = await startReceiver();
    const receiverB = await startReceiver();
    const vendorReceiver = await startReceiver();
    const a = await tenant(receiverA, ['license.created']);
    const b = await tenant(receiverB, ['license.created']);
    const vendor = await t.app.services.webhookEndpoints.add('operator', { url: vendorReceiver.url, events: ['license.created'] });
    try {
      const ofA = await issue(a.name);
      const ofB = await issue(b.name);
      await deliverUntil(t, () => receiverA.received.length === 1 && receiverB.received.length === 1, 'both tenants');
      const seenByVendor = () => vendorReceiver.received.map((r) => r.data.license.id);
      await deliverUntil(t, () => seenByVendor().includes(ofA.license.id) && seenByVendor().includes(ofB.license.id), 'the vendor endpoint');
      await t.app.webhookWorker.drain();
      expect(receiverA.received.map((r) => r.data.license.id)).toEqual([ofA.license.id]);
      expect(receiverB.received.map((r) => r.data.license.id)).toEqual([ofB.license.id]);
    } finally {
      await t.app.services.webhookEndpoints.remove('operator', vendor.endpoint.id);
      for (const r of [receiverA, receiverB, vendorReceiver]) await r.close();
    }
  });

  it("answers NOT_FOUND to a reseller admin for another reseller's endpoint and delivery", async () => {
    const receiver = await startReceiver();
    const a = await tenant(receiver, ['license.created']);
    const b = await tenant(receiver, ['license.created']);
    await issue(a.name);
    await deliverUntil(t, () => receiver.received.length === 1, 'the delivery');
    const delivery = await t.app.database.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: a.endpoint.id } });
    for (const attempt of [
      () => t.app.services.webhookEndpoints.update(b.caller, a.endpoint.id, { enabled: false }),
      () => t.app.services.webhookEndpoints.remove(b.caller, a.endpoint.id),
      () => t.app.services.webhookEndpoints.rotateSecret(b.caller, a.endpoint.id),
      () => t.app.services.webhookEndpoints.resend(b.caller, delivery.id),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await t.app.services.webhookEndpoints.list(b.caller)).map((e) => e.id)).toEqual([b.endpoint.id]);
    // A reseller admin's new endpoint is its own reseller's, whatever reseller it names.
    const { endpoint } = await t.app.services.webhookEndpoints.add(b.caller, { url: receiver.url, reseller: a.name });
    expect(endpoint.resellerId).toBe(b.staff.resellerId);
    await receiver.close();
  });
});

describe('two workers', () => {
  it('delivers each event once after a 2xx when two instances deliver at the same time', async () => {
    const second = await startTestApp({ database: t.app.database, config: { webhooks: WEBHOOKS } });
    const receiver = await startReceiver();
    try {
      const hook = await tenant(receiver, ['license.created']);
      const issued = [];
      for (let i = 0; i < 12; i++) issued.push(await issue(hook.name));
      const db = t.app.database.prisma;
      const deadline = Date.now() + 20_000;
      while ((await db.webhookDelivery.count({ where: { endpointId: hook.endpoint.id, status: 'DELIVERED' } })) < issued.length) {
        if (Date.now() > deadline) throw new Error('gave up waiting for the deliveries');
        await Promise.all([t, second].map((w) => w.app.webhookWorker.drain()));
      }
      const ids = receiver.received.map((r: Received) => r.data.license.id).sort();
      expect(ids).toEqual(issued.map((i) => i.license.id).sort());
      const deliveries = await db.webhookDelivery.findMany({ where: { endpointId: hook.endpoint.id } });
      expect(deliveries.map((d) => [d.status, d.attempts])).toEqual(issued.map(() => ['DELIVERED', 1]));
    } finally {
      await receiver.close();
      await second.close();
    }
  });
});

describe('private addresses', () => {
  let guarded: TestApp;
  beforeAll(async () => {
    guarded = await startTestApp({ database: t.app.database, config: { webhooks: { ...WEBHOOKS, allowPrivate: false } } });
  });
  afterAll(() => guarded.close());

  it.each([
    ['http://127.0.0.1:4700/hooks', '127.0.0.1'],
    ['http://localhost:4700/hooks', '127.0.0.1'],
    ['http://[::1]/hooks', '::1'],
    ['http://[::ffff:127.0.0.1]/hooks', '::ffff:7f00:1'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['http://10.1.2.3/', '10.1.2.3'],
    ['http://192.168.1.10/', '192.168.1.10'],
    ['http://2130706433/', '127.0.0.1'],
  ])('refuses %s (URL_NOT_ALLOWED), checking the address it resolves to', async (url, address) => {
    await expect(guarded.app.services.webhookEndpoints.add('operator', { url })).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED', address });
  });

  it('accepts a public address', async () => {
    const { endpoint } = await guarded.app.services.webhookEndpoints.add('operator', { url: 'https://93.184.215.14/hooks', events: ['license.created'], reseller: undefined });
    expect(endpoint.url).toBe('https://93.184.215.14/hooks');
    await guarded.app.services.webhookEndpoints.remove('operator', endpoint.id);
  });

  it('answers each failure of the endpoint mutations as its typed error', async () => {
    const email = `hook-vendor-${tag()}@example.com`;
    await guarded.app.services.staff.create('operator', { email, role: 'VENDOR_ADMIN', password: 'Staff-Secret-2026!' });
    const { token } = await guarded.app.services.staff.logIn(email, 'Staff-Secret-2026!');
    const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
      __typename ... on Error { code } ... on UrlNotAllowedError { host address } ... on InvalidInputError { field }
      ... on CreateWebhookEndpointSuccess { secret endpoint { id url events enabled } } } }`;
    const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) {
      __typename ... on Error { code } ... on UrlNotAllowedError { address } ... on InvalidInputError { field } } }`;
    const create = async (input: object) => (await guarded.gql(CREATE, { input }, token)).data.createWebhookEndpoint;
    expect(await create({ url: 'http://127.0.0.1:4700/hooks' })).toEqual({ __typename: 'UrlNotAllowedError', code: 'URL_NOT_ALLOWED', host: '127.0.0.1', address: '127.0.0.1' });
    expect(await create({ url: 'ftp://example.com/' })).toEqual({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'url' });
    expect(await create({ url: 'https://93.184.215.14/', reseller: `nobody-${tag()}` })).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const created = await create({ url: 'https://93.184.215.14/hooks', events: ['SLOT_DENIED', 'LICENSE_UPDATED'] });
    expect(created).toMatchObject({ __typename: 'CreateWebhookEndpointSuccess', secret: expect.stringMatching(/^whsec_/), endpoint: { url: 'https://93.184.215.14/hooks', events: ['SLOT_DENIED', 'LICENSE_UPDATED'], enabled: true } });
    const id = created.endpoint.id;
    try {
      const update = async (input: object) => (await guarded.gql(UPDATE, { input: { id, ...input } }, token)).data.updateWebhookEndpoint;
      expect(await update({ url: 'http://[fe80::1]/' })).toEqual({ __typename: 'UrlNotAllowedError', code: 'URL_NOT_ALLOWED', address: 'fe80::1' });
      expect(await update({ url: 'hooks' })).toEqual({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'url' });
      expect(await update({ enabled: false })).toEqual({ __typename: 'WebhookEndpointSuccess' });
    } finally {
      await guarded.app.services.webhookEndpoints.remove('operator', id);
    }
  });

  it('refuses to connect to a private address at delivery time too', async () => {
    const receiver = await startReceiver();
    // Added where private addresses are allowed; delivered by an instance where they are not.
    const hook = await tenant(receiver, ['license.created']);
    await issue(hook.name);
    const db = t.app.database.prisma;
    const attempt = () => db.webhookAttempt.findFirst({ where: { delivery: { endpointId: hook.endpoint.id } } });
    await deliverUntil(guarded, async () => (await attempt()) !== null, 'the refused attempt');
    expect(await attempt()).toMatchObject({ statusCode: null, error: expect.stringMatching(/loopback, link-local or private/) });
    expect(receiver.received).toHaveLength(0);
    await t.app.services.webhookEndpoints.remove('operator', hook.endpoint.id);
    await receiver.close();
  });
});

describe('endpoint input', () => {
  it.each([
    [{ url: 'ftp://example.com/' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ url: 'https://user:pw@example.com/' }, 'url'],
    [{ url: 'https://example.com/', events: ['license.exploded'] }, 'events'],
  ])('refuses %o (INVALID_INPUT on %s)', async (input, field) => {
    await expect(t.app.services.webhookEndpoints.add('operator', input)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('answers NOT_FOUND for an unknown reseller', async () => {
    await expect(t.app.services.webhookEndpoints.add('operator', { url: 'https://example.com/', reseller: `nobody-${tag()}` })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('configuration', () => {
  it('reads the webhook settings and refuses bad values, naming the variable', async () => {
    const { loadConfig } = await import('@slotkeeper/api/config');
    expect(loadConfig({}, '').webhooks).toEqual({ retryBaseSeconds: 30, timeoutSeconds: 10, allowPrivate: false });
    expect(loadConfig({ WEBHOOK_RETRY_BASE_SECONDS: '0.05', WEBHOOK_TIMEOUT_SECONDS: '2.5', WEBHOOK_ALLOW_PRIVATE: '1' }, '').webhooks).toEqual({
      retryBaseSeconds: 0.05,
      timeoutSeconds: 2.5,
      allowPrivate: true,
    });
    expect(() => loadConfig({ WEBHOOK_RETRY_BASE_SECONDS: 'soon' }, '')).toThrow(/WEBHOOK_RETRY_BASE_SECONDS must be a number from 0.01 to 3600/);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_SECONDS: '600' }, '')).toThrow(/WEBHOOK_TIMEOUT_SECONDS must be a number from 0.1 to 60/);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes' }, '')).toThrow(/WEBHOOK_ALLOW_PRIVATE must be 1 or 0/);
  });
});
