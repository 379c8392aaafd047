// Purchase intake from Stripe, against a real HTTP listener, with payloads signed by the `stripe`
// package's own test helper and mail over real SMTP: purchase → license + one credentials e-mail;
// replays, the same object under another event id, out-of-order events and concurrent deliveries
// change nothing more; forged and stale signatures 400; subscriptions renew, shrink and end; the
// line-item path reads a local stand-in for Stripe's API (nothing reaches the internet).
import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCommand } from '@slotkeeper/api/operator';
import { shopWebhookRoute } from '@slotkeeper/api/shop-webhook';
import { parseDuration } from '@slotkeeper/schema/services/duration';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, machine } from './support/operations.ts';
import { TestSmtpServer, line } from './support/smtp.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const API_KEY = 'sk_test_slotkeeper_stand_in';
const tag = () => randomBytes(5).toString('hex');
const DAY = 86_400;

// The stand-in for Stripe's API: the line items of each checkout session the test registers.
const lineItems = new Map<string, { price: string; quantity: number }[]>();
const apiRequests: { path: string; authorization: string | undefined }[] = [];
const standIn: Server = createServer((req, res) => {
  apiRequests.push({ path: req.url ?? '', authorization: req.headers.authorization });
  const match = /^\/v1\/checkout\/sessions\/([^/]+)\/line_items/.exec(req.url ?? '');
  res.setHeader('content-type', 'application/json');
  if (!match) {
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'no such route' } }));
    return;
  }
  const data = (lineItems.get(match[1]!) ?? []).map((l, i) => ({ id: `li_${i}`, object: 'item', price: { id: l.price, object: 'price' }, quantity: l.quantity }));
  res.end(JSON.stringify({ object: 'list', data, has_more: false, url: `/v1/checkout/sessions/${match[1]}/line_items` }));
});

const smtp = new TestSmtpServer();
let t: TestApp;
let base: string;
let product: { id: string; code: string };

const now = () => Math.floor(t.clock.now().getTime() / 1000);
let sequence = 0;

function event(type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}, created = now() + sequence++) {
  return { id: `evt_${tag()}`, object: 'event', api_version: '2026-10-28.endive', created, livemode: false, type, pending_webhooks: 1, request: null, data: { object, ...extra } };
}

function checkout(options: { email: string; metadata?: Record<string, string>; mode?: 'payment' | 'subscription'; subscription?: string | null; paid?: boolean }) {
  const mode = options.mode ?? 'payment';
  return {
    id: `cs_test_${tag()}`,
    object: 'checkout.session',
    mode,
    payment_status: options.paid === false ? 'unpaid' : 'paid',
    status: 'complete',
    customer_details: { email: options.email },
    customer_email: null,
    metadata: options.metadata ?? {},
    subscription: options.subscription ?? null,
    payment_intent: mode === 'payment' ? `pi_${tag()}` : null,
    livemode: false,
  };
}

function invoice(subscription: string, periodEnd: number, reason = 'subscription_cycle') {
  return {
    id: `in_${tag()}`,
    object: 'invoice',
    billing_reason: reason,
    status: 'paid',
    parent: { type: 'subscription_details', subscription_details: { subscription, metadata: {} } },
    lines: { object: 'list', data: [{ id: `il_${tag()}`, object: 'line_item', period: { start: periodEnd - 30 * DAY, end: periodEnd } }] },
    period_end: periodEnd - 30 * DAY,
  };
}

function subscription(id: string, quantity: number, endedAt: number | null = null) {
  return {
    id,
    object: 'subscription',
    status: endedAt ? 'canceled' : 'active',
    ended_at: endedAt,
    canceled_at: endedAt,
    metadata: {},
    items: { object: 'list', data: [{ id: `si_${tag()}`, object: 'subscription_item', price: { id: `price_unmapped_${id}`, object: 'price' }, quantity }] },
  };
}

function sign(payload: string, options: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp ?? now() });
}

async function post(body: object | string, header: string | null = sign(typeof body === 'string' ? body : JSON.stringify(body))) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${base}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) },
    body: payload,
  });
  return { status: response.status, body: (await response.json()) as any };
}

const licensesOf = (email: string) =>
  t.app.database.prisma.license.findMany({ where: { customer: { email } }, include: { shopLink: true, product: true }, orderBy: { seats: 'desc' } });

// Mail waits are long and say why when they end (tests assert what arrives, never how fast): a CI
// run once saw no mail reach this file's SMTP server for about 100 s, with nothing on record to say why.
vi.setConfig({ testTimeout: 180_000 });

/** The mails to `email` once the outbox has nothing due; a pass still running after 20 s is reported, then awaited. */
async function mailsTo(email: string) {
  const drained = t.app.mailWorker.drain();
  const watchdog = setTimeout(() => {
    void t.outboxReport(email).then((report) => console.warn(`mail drain still running after 20 s\n${report}`));
  }, 20_000);
  try {
    await drained;
  } finally {
    clearTimeout(watchdog);
  }
  return smtp.to(email);
}

const mailTo = (email: string, count = 1) => smtp.waitFor(email, count, { timeoutMs: 90_000, explain: () => t.outboxReport(email) });

beforeAll(async () => {
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  await smtp.start();
  t = await startTestApp({
    config: {
      smtpUrl: smtp.url,
      stripe: { webhookSecret: SECRET, apiKey: API_KEY, apiBase: new URL(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`) },
    },
  });
  t.app.mailWorker.start();
  base = (await t.listen()).url;
  product = await t.seed.product();
  await t.app.services.products.update('operator', { code: product.code, licenseDurationSeconds: 365 * DAY });
});

afterAll(async () => {
  await t?.close();
  await smtp.stop();
  await new Promise((resolve) => standIn.close(resolve));
});

describe('a one-time purchase', () => {
  const email = `buyer-${tag()}@example.com`;
  const session = () => checkout({ email, metadata: { slotkeeper_product: product.code, slotkeeper_seats: '3' } });
  let paid: ReturnType<typeof session>;
  let first: ReturnType<typeof event>;

  it('issues the license and exactly one credentials e-mail over SMTP; the audit names the Stripe object', async () => {
    paid = session();
    first = event('checkout.session.completed', paid);
    const answer = await post(first);
    expect(answer).toMatchObject({ status: 200, body: { received: true, status: 'APPLIED' } });
    const [license] = await licensesOf(email);
    expect(license).toMatchObject({ seats: 3, product: { code: product.code }, shopLink: { orderId: paid.id, livemode: false, subscriptionId: null } });
    expect(license!.shopLink!.dashboardUrl).toBe(`https://dashboard.stripe.com/test/payments/${paid.payment_intent}`);
    // --license-duration 365d
    expect(license!.expiresAt.getTime() - license!.startsAt.getTime()).toBe(365 * DAY * 1000);
    const [mail] = await mailTo(email, 1);
    expect(line(mail!.text, 'Login')).toBe(email);
    const password = line(mail!.text, 'Password');
    const { data } = await t.gql(ACTIVATE, { input: machine({ email, password, product: product.code }, `fp-${tag()}`) });
    expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
    const audit = await t.app.database.prisma.auditEvent.findFirst({ where: { subject: `license:${license!.id}`, action: 'license.issued' } });
    expect(audit).toMatchObject({ actor: 'shop:stripe', data: { source: { shop: 'stripe', event: first.id, order: paid.id } } });
  });

  it('a replay answers 200 and does nothing; so does the same checkout under another event id', async () => {
    expect((await post(first)).body.status).toBe('REPLAY');
    expect((await post(event('checkout.session.async_payment_succeeded', paid))).body.status).toBe('DUPLICATE');
    expect((await post(event('checkout.session.completed', paid))).body.status).toBe('DUPLICATE');
    expect(await licensesOf(email)).toHaveLength(1);
    expect(await mailsTo(email)).toHaveLength(1);
  });

  it('a checkout not paid yet waits for async_payment_succeeded, which issues it once', async () => {
    const buyer = `async-${tag()}@example.com`;
    const pending = checkout({ email: buyer, metadata: { slotkeeper_product: product.code }, paid: false });
    expect((await post(event('checkout.session.completed', pending))).body.status).toBe('IGNORED');
    expect(await licensesOf(buyer)).toHaveLength(0);
    const succeeded = { ...pending, payment_status: 'paid' };
    expect((await post(event('checkout.session.async_payment_succeeded', succeeded))).body.status).toBe('APPLIED');
    expect((await licensesOf(buyer)).map((l) => l.seats)).toEqual([1]);
  });
});

describe('signatures', () => {
  it('forged, tampered, stale and missing signatures answer 400 and change nothing', async () => {
    const email = `forged-${tag()}@example.com`;
    const forged = event('checkout.session.completed', checkout({ email, metadata: { slotkeeper_product: product.code } }));
    const payload = JSON.stringify(forged);
    const attempts = [
      sign(payload, { secret: `whsec_${randomBytes(24).toString('base64')}` }),
      // Stripe's tolerance is 300 s.
      sign(payload, { timestamp: now() - 301 }),
      null,
      't=123,v1=deadbeef',
    ];
    for (const header of attempts) {
      const answer = await post(payload, header);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe('BAD_SIGNATURE');
    }
    // A genuine signature over another body.
    const tampered = await post(payload.replace(email, `thief-${tag()}@example.com`), sign(payload));
    expect(tampered.status).toBe(400);
    expect(await t.app.database.prisma.shopEvent.count({ where: { eventId: forged.id } })).toBe(0);
    expect(await licensesOf(email)).toHaveLength(0);
    // The same body signed within the tolerance goes through.
    expect((await post(payload, sign(payload, { timestamp: now() - 200 }))).body.status).toBe('APPLIED');
  });
});

describe('a subscription', () => {
  const email = `subscriber-${tag()}@example.com`;
  const sub = `sub_${tag()}`;
  const start = () => now();
  let password: string;
  let licenseId: string;
  const license = () => t.app.database.prisma.license.findUniqueOrThrow({ where: { id: licenseId } });

  it('an invoice.paid before its checkout waits, and is applied when the checkout arrives', async () => {
    const periodEnd = start() + 30 * DAY;
    const first = event('invoice.paid', invoice(sub, periodEnd, 'subscription_create'));
    const early = await post(first);
    expect(early.body.status).toBe('WAITING');
    const waiting = await runCommand(t.app, 'shop events', { status: 'WAITING' });
    expect(waiting.result).toContainEqual(expect.objectContaining({ eventId: first.id, waitingFor: sub }));
    const session = checkout({ email, mode: 'subscription', subscription: sub, metadata: { slotkeeper_product: product.code } });
    expect((await post(event('checkout.session.completed', session))).body.status).toBe('APPLIED');
    const [issued] = await licensesOf(email);
    licenseId = issued!.id;
    expect(issued!.shopLink).toMatchObject({ subscriptionId: sub, dashboardUrl: `https://dashboard.stripe.com/test/subscriptions/${sub}` });
    // The period end plus the 3-day renewal grace.
    expect(issued!.expiresAt.getTime()).toBe((periodEnd + 3 * DAY) * 1000);
    const listed = await runCommand(t.app, 'shop events', { status: 'applied' });
    expect(listed.ok).toBe(true);
    expect(listed.result).toContainEqual(expect.objectContaining({ eventId: first.id, type: 'invoice.paid', status: 'APPLIED' }));
    const waited = await t.app.database.prisma.shopEvent.findFirstOrThrow({ where: { waitingFor: null, type: 'invoice.paid', objectKey: { startsWith: 'invoice:' }, intent: { path: ['subscriptionId'], equals: sub } } });
    expect(waited.status).toBe('APPLIED');
    password = line((await mailTo(email, 1))[0]!.text, 'Password');
  });

  it('a quantity change applies at once when the seats cover the machines, and waits for the renewal when they would not', async () => {
    const up = await post(event('customer.subscription.updated', subscription(sub, 3), { previous_attributes: { items: {} } }));
    expect(up.body.status).toBe('APPLIED');
    expect((await license()).seats).toBe(3);
    for (const fp of ['a', 'b']) {
      const { data } = await t.gql(ACTIVATE, { input: machine({ email, password, product: product.code }, `fp-${fp}-${tag()}`) });
      expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
    }
    const down = event('customer.subscription.updated', subscription(sub, 1), { previous_attributes: { items: {} } });
    expect((await post(down)).body.status).toBe('APPLIED');
    expect(await license()).toMatchObject({ seats: 3, pendingSeats: 1 });
    // An older change delivered late changes nothing.
    const older = event('customer.subscription.updated', subscription(sub, 5), { previous_attributes: { items: {} } }, down.created - 10);
    expect((await post(older)).body).toMatchObject({ status: 'APPLIED', note: 'an older quantity change than one applied' });
    expect(await license()).toMatchObject({ seats: 3, pendingSeats: 1 });
    // A change of something else is no quantity change.
    expect((await post(event('customer.subscription.updated', subscription(sub, 1), { previous_attributes: { status: 'past_due' } }))).body.status).toBe('IGNORED');
    const audit = await t.app.database.prisma.auditEvent.findFirst({ where: { subject: `license:${licenseId}`, action: 'license.seats_change_deferred' } });
    expect(audit).toMatchObject({ actor: 'shop:stripe', data: { after: { pendingSeats: 1 }, source: { subscription: sub } } });
  });

  it('the license page shows the pending seats and links to the subscription', async () => {
    const { staff } = await t.app.services.staff.create('operator', { email: `vendor-${tag()}@example.com`, role: 'VENDOR_ADMIN', reseller: null, password: 'Staff-Secret-2026!' });
    const { data: login } = await t.gql(`mutation($e: String!, $p: String!) { staffLogIn(input: { email: $e, password: $p }) { ... on StaffLogInSuccess { token } } }`, { e: staff.email, p: 'Staff-Secret-2026!' });
    const { data } = await t.gql(`query($id: ID!) { license(id: $id) { seats pendingSeats purchase { shop orderId subscriptionId livemode url } } }`, { id: licenseId }, login.staffLogIn.token);
    expect(data.license).toMatchObject({ seats: 3, pendingSeats: 1, purchase: { shop: 'stripe', subscriptionId: sub, livemode: false, url: `https://dashboard.stripe.com/test/subscriptions/${sub}` } });
  });

  it('the next invoice extends the license and lowers the seats as far as the machines allow; its duplicate does nothing', async () => {
    const periodEnd = start() + 60 * DAY;
    const renewal = invoice(sub, periodEnd);
    expect((await post(event('invoice.paid', renewal))).body.status).toBe('APPLIED');
    // Two machines hold seats: down to 2 now, the last seat stays pending; nothing was released.
    expect(await license()).toMatchObject({ seats: 2, pendingSeats: 1, expiresAt: new Date((periodEnd + 3 * DAY) * 1000) });
    expect(await t.app.database.prisma.activation.count({ where: { licenseId, releasedAt: null } })).toBe(2);
    expect((await post(event('invoice.paid', renewal))).body.status).toBe('DUPLICATE');
    // An older invoice arriving late never shortens it.
    expect((await post(event('invoice.paid', invoice(sub, start() + 30 * DAY)))).body).toMatchObject({ status: 'APPLIED', note: expect.stringContaining('nothing to extend') });
    expect((await license()).expiresAt).toEqual(new Date((periodEnd + 3 * DAY) * 1000));
  });

  it('customer.subscription.deleted ends the license at ended_at; a later invoice no longer extends it', async () => {
    const endedAt = start() + 10 * DAY;
    expect((await post(event('customer.subscription.deleted', subscription(sub, 1, endedAt)))).body.status).toBe('APPLIED');
    expect((await license()).expiresAt).toEqual(new Date(endedAt * 1000));
    expect((await post(event('customer.subscription.deleted', subscription(sub, 1, endedAt)))).body.status).toBe('DUPLICATE');
    expect((await post(event('invoice.paid', invoice(sub, start() + 90 * DAY)))).body.note).toContain('the subscription ended');
    expect((await license()).expiresAt).toEqual(new Date(endedAt * 1000));
    expect(await mailsTo(email)).toHaveLength(1);
  });
});

describe('concurrent deliveries', () => {
  it('the same event delivered 8 times at once is applied once; the same checkout under 4 event ids at once too', async () => {
    const email = `concurrent-${tag()}@example.com`;
    const session = checkout({ email, metadata: { slotkeeper_product: product.code, slotkeeper_seats: '2' } });
    const same = event('checkout.session.completed', session);
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(same)));
    const statuses = answers.map((a) => a.body.status).sort();
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(statuses.filter((s) => s === 'APPLIED')).toHaveLength(1);
    expect(statuses.filter((s) => s !== 'APPLIED').every((s) => s === 'REPLAY')).toBe(true);

    const other = `concurrent-${tag()}@example.com`;
    const again = checkout({ email: other, metadata: { slotkeeper_product: product.code } });
    const many = await Promise.all(Array.from({ length: 4 }, () => post(event('checkout.session.completed', again))));
    expect(many.map((a) => a.body.status).sort()).toEqual(['APPLIED', 'DUPLICATE', 'DUPLICATE', 'DUPLICATE']);

    expect(await licensesOf(email)).toHaveLength(1);
    expect(await licensesOf(other)).toHaveLength(1);
    expect(await mailsTo(email)).toHaveLength(1);
    expect(await mailsTo(other)).toHaveLength(1);
    console.log(`concurrent: 8 deliveries of one event → ${statuses.join(', ')}; 4 event ids of one checkout → ${many.map((a) => a.body.status).join(', ')}`);
  });
});

describe('line items from Stripe’s API (a local stand-in)', () => {
  it('each mapped price issues its seats × quantity, one license per product, one credentials e-mail', async () => {
    const second = await t.seed.product();
    const priceA = `price_${tag()}`;
    const priceB = `price_${tag()}`;
    await t.app.services.products.update('operator', { code: product.code, mapPrice: { shop: 'stripe', priceId: priceA, seatsPerUnit: 5 } });
    await t.app.services.products.update('operator', { code: second.code, mapPrice: { shop: 'stripe', priceId: priceB } });
    const email = `lines-${tag()}@example.com`;
    const session = checkout({ email });
    lineItems.set(session.id, [
      { price: priceA, quantity: 2 },
      { price: priceB, quantity: 3 },
      { price: `price_not_ours_${tag()}`, quantity: 1 },
    ]);
    expect((await post(event('checkout.session.completed', session))).body.status).toBe('APPLIED');
    expect(apiRequests.find((r) => r.path.startsWith(`/v1/checkout/sessions/${session.id}/line_items`))?.authorization).toBe(`Bearer ${API_KEY}`);
    const licenses = await licensesOf(email);
    expect(licenses.map((l) => [l.product.code, l.seats])).toEqual([
      [product.code, 10],
      [second.code, 3],
    ]);
    expect(licenses[0]!.shopLink!.priceIds).toEqual([priceA]);
    const mails = await mailTo(email, 2);
    expect(mails.filter((m) => /^Password: /m.test(m.text))).toHaveLength(1);
  });

  it('a checkout with no mapped line and no slotkeeper_product is not ours: 200, ignored', async () => {
    const email = `tshirt-${tag()}@example.com`;
    const session = checkout({ email });
    lineItems.set(session.id, [{ price: `price_tshirt_${tag()}`, quantity: 1 }]);
    expect((await post(event('checkout.session.completed', session))).body.status).toBe('IGNORED');
    expect(await licensesOf(email)).toHaveLength(0);
  });
});

describe('what the intake refuses', () => {
  it('an unknown product or reseller answers 422 and records nothing, so that Stripe retries after the fix', async () => {
    const email = `misconfigured-${tag()}@example.com`;
    const unknown = event('checkout.session.completed', checkout({ email, metadata: { slotkeeper_product: `nope-${tag()}` } }));
    const answer = await post(unknown);
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].extensions.code).toBe('SHOP_CONFIGURATION');
    const noReseller = await post(event('checkout.session.completed', checkout({ email, metadata: { slotkeeper_product: product.code, slotkeeper_reseller: `Nobody ${tag()}` } })));
    expect(noReseller.status).toBe(422);
    expect(await t.app.database.prisma.shopEvent.count({ where: { eventId: unknown.id } })).toBe(0);
    expect(await licensesOf(email)).toHaveLength(0);
  });

  it('metadata slotkeeper_reseller attaches the license to an existing reseller', async () => {
    const name = `Shop Reseller ${tag()}`;
    await t.app.database.prisma.reseller.create({ data: { name } });
    const email = `resold-${tag()}@example.com`;
    expect((await post(event('checkout.session.completed', checkout({ email, metadata: { slotkeeper_product: product.code, slotkeeper_reseller: name } })))).body.status).toBe('APPLIED');
    const [license] = await t.app.database.prisma.license.findMany({ where: { customer: { email } }, include: { reseller: true } });
    expect(license!.reseller?.name).toBe(name);
  });

  it('signed but unusable events answer 200, are recorded as rejected and audited; unknown event types are ignored', async () => {
    const noEmail = { ...checkout({ email: '', metadata: { slotkeeper_product: product.code } }), customer_details: null };
    const rejected = event('checkout.session.completed', noEmail);
    expect((await post(rejected)).body).toMatchObject({ status: 'REJECTED', note: 'the checkout has no customer e-mail' });
    const badSeats = event('checkout.session.completed', checkout({ email: `seats-${tag()}@example.com`, metadata: { slotkeeper_product: product.code, slotkeeper_seats: 'many' } }));
    expect((await post(badSeats)).body.status).toBe('REJECTED');
    const malformed = { ...event('invoice.paid', { id: `in_${tag()}`, object: 'invoice', parent: { subscription_details: { subscription: 'sub_x' } }, lines: 'not a list' }) };
    expect((await post(malformed)).body.status).toBe('REJECTED');
    const audits = await t.app.database.prisma.auditEvent.findMany({ where: { action: 'shop.event_rejected', data: { path: ['event'], equals: rejected.id } } });
    expect(audits).toEqual([expect.objectContaining({ actor: 'shop:stripe', subject: `stripe:${noEmail.id}` })]);
    expect((await post(event('charge.succeeded', { id: `ch_${tag()}`, object: 'charge' }))).body).toMatchObject({ status: 'IGNORED', note: 'charge.succeeded is not used' });
  });

  it('without STRIPE_WEBHOOK_SECRET the route answers 404 and says what to set; only POST is answered', async () => {
    const route = shopWebhookRoute({ shop: 'stripe', secretName: 'STRIPE_WEBHOOK_SECRET', adapter: null, intake: t.app.services.intake, logger: t.app.logger });
    const response = await route.handle({ request: new Request('http://x/webhooks/stripe', { method: 'POST', body: '{}' }) } as never);
    expect(response!.status).toBe(404);
    expect(((await response!.json()) as any).errors[0].message).toContain('STRIPE_WEBHOOK_SECRET');
    expect((await fetch(`${base}/webhooks/stripe`)).status).toBe(405);
  });

  it('product settings refuse bad durations, price ids and seats per unit', async () => {
    expect(parseDuration('3d', 'renewalGrace')).toBe(3 * DAY);
    expect(parseDuration('90m', 'x')).toBe(5400);
    for (const bad of ['3 days', '-1d', '1w', '']) expect(() => parseDuration(bad, 'licenseDuration')).toThrow(/duration/);
    const update = (input: object) => t.app.services.products.update('operator', { code: product.code, ...input });
    await expect(update({ mapPrice: { shop: 'stripe', priceId: 'price with spaces' } })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'priceId' });
    await expect(update({ mapPrice: { shop: 'stripe', priceId: 'price_ok', seatsPerUnit: 0 } })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'seatsPerUnit' });
    await expect(update({ licenseDurationSeconds: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'licenseDuration' });
    await expect(update({ renewalGraceSeconds: 91 * DAY })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'renewalGrace' });
    await expect(t.app.services.products.update('operator', { code: `missing-${tag()}`, renewalGraceSeconds: DAY })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
