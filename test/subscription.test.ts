// Live slot usage (`slotUsageChanged`) through real sockets: SSE and WebSocket on a listening server,
// and across two api instances that share Redis.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeededLicense } from './support/seed.ts';
import { type TestApp, openTestDatabase, startTestApp } from './support/app.ts';
import { ACTIVATE, DEACTIVATE, LOG_IN, RELEASE, machine } from './support/operations.ts';
import { type Subscriber, type Transport, post, subscribeSlots, untilLive } from './support/subscriptions.ts';

const transports: Transport[] = ['sse', 'ws'];

/** Subscribers of the running test; closed after it whether it passed or not. */
const open: Subscriber[] = [];
function subscribe(...args: Parameters<typeof subscribeSlots>) {
  const subscriber = subscribeSlots(...args);
  open.push(subscriber);
  return subscriber;
}
afterEach(async () => {
  for (const subscriber of open.splice(0)) await subscriber.close();
});

async function logIn(url: string, license: { email: string; password: string }) {
  const { data, errors } = await post(url, LOG_IN, { email: license.email, password: license.password });
  expect(errors).toBeUndefined();
  expect(data.logIn.__typename).toBe('LogInSuccess');
  return data.logIn.sessionToken as string;
}

async function activate(url: string, license: SeededLicense, fingerprint: string) {
  const { data, errors } = await post(url, ACTIVATE, { input: machine(license, fingerprint) });
  expect(errors).toBeUndefined();
  expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  return data.activateMachine as { token: string; activation: { id: string }; license: { seatsUsed: number } };
}

async function deactivate(url: string, token: string) {
  const { data, errors } = await post(url, DEACTIVATE, { input: { token } });
  expect(errors).toBeUndefined();
  expect(data.deactivateMachine.__typename).toBe('DeactivateMachineSuccess');
}

describe('slotUsageChanged on one instance', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    // The smallest unread allowance, so that the slow-subscriber test fills it with a few MB.
    t = await startTestApp({ config: { maxUnreadSubscriptionBytes: 16 * 1024 } });
    url = (await t.listen()).url;
  });
  afterAll(() => t?.close());

  it('drops an SSE subscriber that stops reading, and says why; a reading subscriber gets every event', async () => {
    const license = await t.seed.license({ seats: 2 });
    const session = await logIn(url, license);
    const reader = subscribe('sse', url, license.id, session);
    await untilLive(reader.results, license, url);
    const before = t.app.subscriptions.count('sse');
    // A raw SSE request whose socket stops reading once the answer's headers are in.
    const { hostname, port } = new URL(url);
    const stalled = connect(Number(port), hostname);
    const path = `/graphql?query=${encodeURIComponent('subscription($id: ID) { slotUsageChanged(licenseId: $id) { change activation { machineName } } }')}&variables=${encodeURIComponent(JSON.stringify({ id: license.id }))}`;
    stalled.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${session}\r\n\r\n`);
    await new Promise<void>((resolve) => stalled.once('data', () => resolve()));
    stalled.pause();
    await expect.poll(() => t.app.subscriptions.count('sse')).toBe(before + 1);
    try {
      // Published straight to the pub/sub, one at a time as the reader takes them, until the stalled
      // socket has left megabytes unread (the kernel's socket buffers hold a few first).
      const machineName = 'M'.repeat(8000);
      const at = new Date().toISOString();
      let sent = 0;
      while (t.app.subscriptions.count('sse') > before && sent < 5000) {
        const id = `flood-${sent++}`;
        t.app.slots.publish({
          licenseId: license.id, customerId: 'c', resellerId: null, seats: 2, seatsUsed: 1, change: 'ACTIVATED', at,
          activation: { id, licenseId: license.id, machineName, osUser: 'u', activatedAt: at, lastSeenAt: at, releasedAt: null, releaseReason: null },
        });
        expect((await reader.results.nextEvent()).activation.id).toBe(id);
      }
      expect(t.app.subscriptions.count('sse')).toBe(before);
      expect(readFileSync(t.logFile, 'utf8')).toContain('SSE subscription dropped: slow subscriber');
      // The reader goes on.
      await activate(url, license, 'after-the-drop');
      expect((await reader.results.nextEvent()).activation.machineName).toBe('PC-after-the-drop');
    } finally {
      stalled.destroy();
    }
  });

  describe.each(transports)('over %s', (transport) => {
    it('gives each subscriber exactly its own selection of an event, however many share one', async () => {
      const license = await t.seed.license({ seats: 2 });
      const session = await logIn(url, license);
      const narrow = `subscription Narrow($licenseId: ID) {
        slotUsageChanged(licenseId: $licenseId) { licenseId change activation { id machineName } seatsUsed }
      }`;
      const wide = `subscription Wide($licenseId: ID) {
        slotUsageChanged(licenseId: $licenseId) { licenseId change at activation { id machineName osUser } }
      }`;
      const subscribers = [narrow, narrow, wide].map((query) => subscribe(transport, url, license.id, session, query));
      for (const { results } of subscribers) await untilLive(results, license, url);

      const laptop = await activate(url, license, 'laptop');
      // Earlier subscribers also saw the later ones' warm-up events: read past those.
      const laptopEvent = async ({ results }: Subscriber) => {
        for (;;) {
          const event = await results.nextEvent();
          if (!event.activation.machineName.startsWith('PC-warm-up-')) return event;
        }
      };
      const [first, second, third] = await Promise.all(subscribers.map(laptopEvent));
      const activation = { id: laptop.activation.id, machineName: 'PC-laptop' };
      expect(first).toEqual({ licenseId: license.id, change: 'ACTIVATED', activation, seatsUsed: 1 });
      expect(second).toEqual(first);
      expect(third).toEqual({ licenseId: license.id, change: 'ACTIVATED', at: expect.any(String), activation: { ...activation, osUser: expect.any(String) } });
    });

    it('delivers ACTIVATED, DEACTIVATED and RELEASED of the license, in order, with its usage', async () => {
      const license = await t.seed.license({ seats: 2 });
      const session = await logIn(url, license);
      const { results } = subscribe(transport, url, license.id, session);
      await untilLive(results, license, url);

      const laptop = await activate(url, license, 'laptop');
      await deactivate(url, laptop.token);
      const lost = await activate(url, license, 'lost-pc');
      const released = await post(url, RELEASE, { id: lost.activation.id }, session);
      expect(released.data.releaseActivation).toMatchObject({ __typename: 'ReleaseActivationSuccess', license: { seatsUsed: 0 } });

      const events = [await results.nextEvent(), await results.nextEvent(), await results.nextEvent(), await results.nextEvent()];
      const base = { licenseId: license.id, seats: 2, at: expect.any(String) };
      expect(events).toEqual([
        {
          ...base,
          change: 'ACTIVATED',
          seatsUsed: 1,
          activation: { id: laptop.activation.id, machineName: 'PC-laptop', releasedAt: null, releaseReason: null },
        },
        {
          ...base,
          change: 'DEACTIVATED',
          seatsUsed: 0,
          activation: { id: laptop.activation.id, machineName: 'PC-laptop', releasedAt: expect.any(String), releaseReason: 'DEACTIVATED' },
        },
        {
          ...base,
          change: 'ACTIVATED',
          seatsUsed: 1,
          activation: { id: lost.activation.id, machineName: 'PC-lost-pc', releasedAt: null, releaseReason: null },
        },
        {
          ...base,
          change: 'RELEASED',
          seatsUsed: 0,
          activation: { id: lost.activation.id, machineName: 'PC-lost-pc', releasedAt: expect.any(String), releaseReason: 'REMOTE_RELEASE' },
        },
      ]);
      for (const event of events) expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    });

    it('refuses a subscriber without a valid session with FORBIDDEN, and ends the subscription', async () => {
      const license = await t.seed.license();
      for (const session of [undefined, 'sks_made-up']) {
        const { results } = subscribe(transport, url, license.id, session);
        const errors = await results.refusal();
        expect(errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
        expect(await results.whenEnded()).toEqual({});
        expect(results.received.some((r) => r.data)).toBe(false);
      }
    });

    it("answers NOT_FOUND to another customer's session, and for a license that does not exist", async () => {
      const license = await t.seed.license();
      const stranger = await t.seed.license();
      const session = await logIn(url, stranger);
      for (const licenseId of [license.id, 'no-such-license']) {
        const { results } = subscribe(transport, url, licenseId, session);
        const errors = await results.refusal();
        expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
        expect(await results.whenEnded()).toEqual({});
      }
    });

    it("never delivers another license's events, even of the same customer", async () => {
      const a = await t.seed.license();
      const b = await t.seed.license({ customer: { id: a.customerId, email: a.email } });
      const session = await logIn(url, a);
      const onA = subscribe(transport, url, a.id, session).results;
      const onB = subscribe(transport, url, b.id, session).results;
      await untilLive(onA, a, url);
      await untilLive(onB, b, url);

      // B's event is published (its own subscriber proves it) before A's, and events arrive in
      // publish order: had it leaked to A's subscriber, it would come before A's own event.
      const machineOfB = await activate(url, b, 'b-pc');
      expect(await onB.nextEvent()).toMatchObject({ licenseId: b.id, activation: { id: machineOfB.activation.id } });
      const machineOfA = await activate(url, a, 'a-pc');
      expect(await onA.nextEvent()).toMatchObject({ licenseId: a.id, change: 'ACTIVATED', activation: { id: machineOfA.activation.id } });
      const everything = onA.received.map((r) => r.data?.slotUsageChanged.licenseId);
      expect(new Set(everything)).toEqual(new Set([a.id]));
    });
  });
});

describe('slotUsageChanged across api instances sharing Redis', () => {
  it.skipIf(!process.env.REDIS_URL).each(transports)(
    'a subscriber on instance B receives the slot changes made on instance A (%s)',
    async (transport) => {
      const sharedDb = await openTestDatabase();
      const apps: TestApp[] = [];
      try {
        const config = { redisUrl: process.env.REDIS_URL! };
        apps.push(await startTestApp({ database: sharedDb, config }));
        apps.push(await startTestApp({ database: sharedDb, config }));
        const [a, b] = apps as [TestApp, TestApp];
        const urlA = (await a.listen()).url;
        const urlB = (await b.listen()).url;

        const license = await a.seed.license({ seats: 3 });
        const session = await logIn(urlB, license);
        const { results } = subscribe(transport, urlB, license.id, session);
        // The warm-up runs on A: B's subscriber is live once an event of A came through Redis.
        await untilLive(results, license, urlA);

        const pc = await activate(urlA, license, 'pc-on-a');
        await deactivate(urlA, pc.token);
        expect(await results.nextEvent()).toEqual({
          licenseId: license.id,
          seats: 3,
          seatsUsed: 1,
          change: 'ACTIVATED',
          at: expect.any(String),
          activation: { id: pc.activation.id, machineName: 'PC-pc-on-a', releasedAt: null, releaseReason: null },
        });
        expect(await results.nextEvent()).toMatchObject({
          licenseId: license.id,
          seatsUsed: 0,
          change: 'DEACTIVATED',
          activation: { id: pc.activation.id, releaseReason: 'DEACTIVATED' },
        });
      } finally {
        // Clients first (the server ends their subscriptions and unsubscribes from Redis), then the
        // instances (each closes yoga, lets the unsubscribe settle, then quits Redis), the database last.
        for (const subscriber of open.splice(0)) await subscriber.close();
        for (const app of apps.reverse()) await app.close();
        await sharedDb.close();
      }
    },
  );
});

describe('caps on open subscriptions', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({ config: { maxSubscriptionsPerSession: 2, maxSubscriptionsPerAddress: 3 } });
    url = (await t.listen()).url;
  });
  afterAll(() => t?.close());

  async function untilOpen(n: number) {
    const deadline = Date.now() + 10_000;
    while (t.app.subscriptions.count('sse') + t.app.subscriptions.count('ws') !== n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} open subscriptions`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  describe.each(transports)('over %s', (transport) => {
    it('refuses a session past MAX_SUBSCRIPTIONS_PER_SESSION and an address past MAX_SUBSCRIPTIONS_PER_ADDRESS, with a coded error', async () => {
      await untilOpen(0);
      const licenses = [await t.seed.license(), await t.seed.license(), await t.seed.license()];
      const [a, b, c] = await Promise.all(licenses.map((license) => logIn(url, license)));
      const first = subscribe(transport, url, licenses[0]!.id, a);
      subscribe(transport, url, licenses[0]!.id, a);
      await untilOpen(2);
      const third = await subscribe(transport, url, licenses[0]!.id, a).results.refusal();
      expect(third[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: 'session', max: 2 } });
      expect(third[0]!.message).toMatch(/at most 2 per session/);

      subscribe(transport, url, licenses[1]!.id, b);
      await untilOpen(3);
      const fourth = await subscribe(transport, url, licenses[2]!.id, c).results.refusal();
      expect(fourth[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: 'address', max: 3 } });

      // A closed subscription gives its place back.
      await first.close();
      await untilOpen(2);
      const again = subscribe(transport, url, licenses[2]!.id, c);
      await untilLive(again.results, licenses[2]!, url);
      console.log(`${transport}: 2 per session and 3 per address open, the next of each refused, a freed place taken again`);
    });
  });
});
