// The dashboard's live subscription (packages/admin/src/live-subscription.ts, what live.tsx runs)
// against a real listener: it comes back by itself when the server restarts (the stream is cut
// without `complete`) and when the server completes it, and asks for a refetch after each reconnect.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listen, type Listening } from '@slotkeeper/api/server';
import { type LiveStatus, keepSubscribed } from '../packages/admin/src/live-subscription.ts';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, LOG_IN, SLOT_EVENTS, machine } from './support/operations.ts';
import type { SeededLicense } from './support/seed.ts';
import { ResultQueue, post, untilLive } from './support/subscriptions.ts';

let t: TestApp;
let license: SeededLicense;
let listening: Listening;

beforeAll(async () => {
  t = await startTestApp();
  license = await t.seed.license({ seats: 3 });
  listening = await listen(t.app.yoga, 0, '127.0.0.1');
});

afterAll(async () => {
  await listening?.close();
  await t?.close();
});

/** Closes the listener the way a stopping server does, then listens again on the same port. */
async function restart(endStreams: () => void) {
  const { port } = listening.server.address() as AddressInfo;
  await listening.close({ endStreams });
  listening = await listen(t.app.yoga, port, '127.0.0.1');
  // This process's fetch may still hold a keep-alive socket the old listener cut: the first request
  // on it fails, as a real client's would, and the next one opens a new connection.
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${listening.url}/healthz`)).ok) return;
    } catch (error) {
      if (tries >= 3) throw error;
    }
  }
}

it('resubscribes after a restart and after a completion, and asks for a refetch each time', async () => {
  const { url } = listening;
  const session = (await post(url, LOG_IN, { email: license.email, password: license.password })).data.logIn.sessionToken as string;
  const results = new ResultQueue();
  const statuses: LiveStatus[] = [];
  let refetches = 0;
  const stop = keepSubscribed({
    url: `${url}/graphql`,
    headers: () => ({ authorization: `Bearer ${session}` }),
    query: SLOT_EVENTS,
    variables: { licenseId: license.id },
    onResult: (result) => results.sink.next(result),
    onStatus: (status) => statuses.push(status),
    onReconnect: () => refetches++,
    backoffMs: () => 100,
  });
  try {
    await untilLive(results, license, url);
    expect(refetches).toBe(0);
    expect(statuses.at(-1)).toBe('live');

    // A deploy: the stream is cut without `complete`; graphql-sse reconnects once the port answers.
    await restart(() => t.app.subscriptions.interruptAll());
    await untilLive(results, license, url);
    expect(refetches).toBe(1);
    expect(statuses.at(-1)).toBe('live');

    // A server that completes the stream (as one that ended the session would): subscribed again.
    const before = statuses.length;
    t.app.subscriptions.endAll();
    await untilLive(results, license, url);
    expect(statuses.slice(before)).toEqual(expect.arrayContaining(['offline', 'live']));
    expect(statuses.slice(before).indexOf('offline')).toBeLessThan(statuses.slice(before).lastIndexOf('live'));
    expect(refetches).toBe(2);

    const activated = (await post(url, ACTIVATE, { input: machine(license, 'after-both') })).data.activateMachine;
    expect(await results.nextEvent()).toMatchObject({ change: 'ACTIVATED', activation: { id: activated.activation.id } });
  } finally {
    stop();
  }
});
