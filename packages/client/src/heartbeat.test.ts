// The heartbeat's schedule and loop with an injected clock, timers and randomness: no waiting, no server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotkeeperError } from './error.ts';
import {
  MAX_RENEWAL_DELAY_MS,
  RETRY_MAX_MS,
  type Renewed,
  type Timers,
  renewalDelay,
  retryDelay,
  runHeartbeat,
} from './heartbeat.ts';

const MINUTE = 60_000;

/** A clock and timers that move only when told: `advance` runs every timer due, in order. */
class FakeTime implements Timers {
  nowMs = Date.UTC(2026, 0, 1);
  private next = 0;
  readonly pending = new Map<number, { at: number; run: () => void }>();
  readonly clock = { now: () => new Date(this.nowMs) };

  setTimeout(run: () => void, ms: number) {
    const id = ++this.next;
    this.pending.set(id, { at: this.nowMs + ms, run });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.pending.delete(handle as number);
  }
  /** The delay of the one pending timer. */
  due(): number {
    expect(this.pending.size).toBe(1);
    return [...this.pending.values()][0]!.at - this.nowMs;
  }
  async advance(ms: number) {
    const end = this.nowMs + ms;
    for (;;) {
      const [id, first] = [...this.pending.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || first!.at > end) break;
      this.pending.delete(id);
      this.nowMs = first!.at;
      first!.run();
      // Let the renewal's promise chain settle before the next timer.
      for (let i = 0; i < 20; i += 1) await Promise.resolve();
    }
    this.nowMs = end;
  }
}

const offline = () => new SlotkeeperError('SERVER_UNREACHABLE', 'Cannot connect to the license server.');

describe('renewal schedule', () => {
  it('renews between 45 % and 55 % of the remaining lease, whatever the random draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2_000, max: 7 * 86_400_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (remaining, random) => {
        const delay = renewalDelay(0, remaining, random);
        expect(delay).toBeGreaterThanOrEqual(Math.min(MAX_RENEWAL_DELAY_MS, Math.floor(remaining * 0.45)));
        expect(delay).toBeLessThanOrEqual(Math.min(MAX_RENEWAL_DELAY_MS, Math.ceil(remaining * 0.55)));
      }),
    );
    expect(renewalDelay(0, 10 * MINUTE, 0)).toBe(4.5 * MINUTE);
    expect(renewalDelay(0, 10 * MINUTE, 0.5)).toBe(5 * MINUTE);
    expect(renewalDelay(0, 10 * MINUTE, 0.999_999)).toBe(5.5 * MINUTE);
  });

  it('renews a lapsed token at once, a year-long one daily, and never spins on a tiny lease', () => {
    expect(renewalDelay(1_000, 1_000, 0.5)).toBe(0);
    expect(renewalDelay(5_000, 1_000, 0.5)).toBe(0);
    expect(renewalDelay(0, 365 * 86_400_000, 0.5)).toBe(MAX_RENEWAL_DELAY_MS);
    expect(renewalDelay(0, 400, 0)).toBe(200);
    expect(renewalDelay(0, 1_200, 0)).toBe(540);
  });
});

describe('retry backoff', () => {
  it('doubles from 1 s to a minute, drawn in the upper half of each step', () => {
    const farFuture = 365 * 86_400_000;
    const ceilings = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000];
    ceilings.forEach((ceiling, i) => {
      expect(retryDelay(i + 1, 0, farFuture, 0)).toBe(ceiling / 2);
      expect(retryDelay(i + 1, 0, farFuture, 0.999_999)).toBe(ceiling);
    });
    expect(retryDelay(1_000, 0, farFuture, 0.999_999)).toBe(RETRY_MAX_MS);
  });

  it('tries at least twice more before a still-valid token lapses, and keeps a floor after it has', () => {
    // 10 s left: a 32–60 s step shrinks to 5 s.
    expect(retryDelay(7, 0, 10_000, 0.5)).toBe(5_000);
    expect(retryDelay(7, 0, 100, 0.5)).toBe(250);
    // Lapsed: the plain backoff again (the next answer revives the seat or says it is gone).
    expect(retryDelay(3, 20_000, 10_000, 0)).toBe(2_000);
  });
});

describe('heartbeat loop', () => {
  function start(time: FakeTime, lease: number, renew: () => Promise<Renewed>, random = () => 0.5) {
    const events: string[] = [];
    const beat = runHeartbeat(new Date(time.nowMs + lease), { renew, clock: time.clock, timers: time, random }, {
      onRenewed: (r) => events.push(`renewed ${r.activationId}${r.revived ? ' revived' : ''}`),
      onRetry: (e) => events.push(`retry ${e.attempt} in ${e.retryInMs} ${e.tokenValid ? 'valid' : 'lapsed'}`),
      onLost: (e) => events.push(`lost ${e.code}`),
    });
    return { beat, events };
  }
  const renewedFor = (time: FakeTime, lease: number, activationId = 'a1', revived = false): Renewed => ({
    activationId,
    validUntil: new Date(time.nowMs + lease),
    revived,
  });

  it('renews at half of each lease, over many leases', async () => {
    const time = new FakeTime();
    let calls = 0;
    const { beat, events } = start(time, 10 * MINUTE, async () => {
      calls += 1;
      return renewedFor(time, 10 * MINUTE);
    });
    expect(time.due()).toBe(5 * MINUTE);
    await time.advance(5 * MINUTE - 1);
    expect(calls).toBe(0);
    await time.advance(1);
    expect(calls).toBe(1);
    await time.advance(20 * MINUTE);
    expect(calls).toBe(5);
    expect(events).toEqual(Array(5).fill('renewed a1'));
    await beat.stop();
    expect(time.pending.size).toBe(0);
  });

  it('rides out a network blip with backoff while the token is valid, then renews and resets the backoff', async () => {
    const time = new FakeTime();
    let failures = 3;
    const { beat, events } = start(time, 10 * MINUTE, async () => {
      if (failures-- > 0) throw offline();
      return renewedFor(time, 10 * MINUTE);
    });
    await time.advance(5 * MINUTE);
    await time.advance(10_000);
    expect(events).toEqual(['retry 1 in 750 valid', 'retry 2 in 1500 valid', 'retry 3 in 3000 valid', 'renewed a1']);
    expect(beat.running).toBe(true);
    // Renewed 5.25 s into the blip, with a new 10-minute lease; the test moved 10 s.
    expect(time.due()).toBe(5 * MINUTE - (10_000 - 5_250));
    await beat.stop();
  });

  it('keeps trying past the lease while offline, then reports the revived seat', async () => {
    const time = new FakeTime();
    let online = false;
    const { beat, events } = start(time, 4_000, async () => {
      if (!online) throw offline();
      return renewedFor(time, 4_000, 'a2', true);
    });
    await time.advance(60_000);
    expect(events.at(-1)).toMatch(/lapsed$/);
    expect(events.some((e) => e.endsWith(' valid'))).toBe(true);
    online = true;
    await time.advance(RETRY_MAX_MS);
    expect(events.at(-1)).toBe('renewed a2 revived');
    expect(beat.running).toBe(true);
    await beat.stop();
  });

  it('stops and reports a refusal: no timer is left behind', async () => {
    for (const code of ['SLOT_RELEASED', 'NO_FREE_SLOT', 'LICENSE_REVOKED', 'NOT_ACTIVATED'] as const) {
      const time = new FakeTime();
      const { beat, events } = start(time, 4_000, async () => {
        throw new SlotkeeperError(code, 'refused');
      });
      await time.advance(10_000);
      expect(events).toEqual([`lost ${code}`]);
      expect(beat.running).toBe(false);
      expect(time.pending.size).toBe(0);
    }
  });

  it('waits as long as RATE_LIMITED asks', async () => {
    const time = new FakeTime();
    let limited = true;
    const { beat, events } = start(time, 10 * MINUTE, async () => {
      if (limited) {
        limited = false;
        throw new SlotkeeperError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 30 });
      }
      return renewedFor(time, 10 * MINUTE);
    });
    await time.advance(5 * MINUTE);
    expect(events).toEqual(['retry 1 in 30000 valid']);
    await time.advance(30_000);
    expect(events).toEqual(['retry 1 in 30000 valid', 'renewed a1']);
    await beat.stop();
  });

  it('stop() waits for a renewal under way and schedules nothing after it', async () => {
    const time = new FakeTime();
    let finish!: () => void;
    const { beat, events } = start(time, 4_000, () => new Promise<Renewed>((resolve) => (finish = () => resolve(renewedFor(time, 4_000)))));
    await time.advance(2_000);
    let stopped = false;
    const stopping = beat.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(events).toEqual([]);
    expect(time.pending.size).toBe(0);
  });

  it('a real timer of the heartbeat does not hold the process', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((h) => h === 'Timeout').length;
    const before = timeouts();
    const held = setTimeout(() => {}, 3_600_000);
    // The probe sees a timer that holds the process…
    expect(timeouts()).toBe(before + 1);
    clearTimeout(held);
    const time = new FakeTime();
    const beat = runHeartbeat(new Date(Date.now() + 3_600_000), { renew: async () => renewedFor(time, 1), clock: { now: () => new Date() } }, {});
    // …and none for the heartbeat's (Node's default timers, unref'd): the process could end now.
    expect(timeouts()).toBe(before);
    await beat.stop();
  });
});
