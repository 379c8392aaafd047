// Passwords: the policy, the bounded bcrypt queue, re-hashing on a cost change, and a reset request
// that takes the same time for every e-mail.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { WeakPasswordError } from '@slotkeeper/schema/services/errors';
import { PasswordQueueFullError, checkPasswordPolicy, createPasswordHasher, generatePassword } from '@slotkeeper/schema/services/password';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { LOG_IN } from './support/operations.ts';
import { PASSWORD } from './support/seed.ts';

const unique = () => randomBytes(5).toString('hex');

describe('password policy', () => {
  const weak = (password: string) => {
    try {
      checkPasswordPolicy(password, 'someone@example.com');
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(WeakPasswordError);
      return (error as Error).message;
    }
  };

  it('refuses short, common (listed) and over-72-byte passwords, each with a clear message', () => {
    for (const password of ['Password1!', 'Summer2024!', 'qwerty1234']) expect(weak(password), password).toBe('Use at least 12 characters.');
    // 12+ characters, but on the list the package ships (in any case).
    for (const password of ['password1234', 'qwertyuiop123', 'QWERTY123456', '1q2w3e4r5t6y']) {
      expect(weak(password), password).toMatch(/commonly used/);
    }
    // bcrypt would silently ignore everything past 72 bytes: 'é' is 2 bytes in UTF-8.
    expect(weak('é'.repeat(37))).toMatch(/at most 72 bytes/);
    expect(weak(`${'a1b2c3d4e5'.repeat(7)}xyz`)).toMatch(/at most 72 bytes/);
    expect(weak(`${'a1b2c3d4e5'.repeat(7)}xy`)).toBeNull();
    expect(weak('Tr0mbone-Glacier-42')).toBeNull();
  });

  it('accepts every generated password', () => {
    for (let i = 0; i < 200; i++) expect(weak(generatePassword())).toBeNull();
  });
});

describe('password-check queue', () => {
  it('refuses a check at once when the queue is full, and one that waited past its limit', async () => {
    const hash = await bcrypt.hash('x', 10);
    const hasher = createPasswordHasher(10, { concurrency: 1, queue: 1, waitMs: 60_000 });
    const results = await Promise.allSettled([hasher.verify('x', hash), hasher.verify('x', hash), hasher.verify('x', hash)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(PasswordQueueFullError);

    const impatient = createPasswordHasher(12, { concurrency: 1, queue: 10, waitMs: 20 });
    const slow = await bcrypt.hash('x', 12);
    const waited = await Promise.allSettled([impatient.verify('x', slow), impatient.verify('x', slow)]);
    expect(waited.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((waited[1] as PromiseRejectedResult).reason).toBeInstanceOf(PasswordQueueFullError);
  });

  it('answers SERVICE_UNAVAILABLE (HTTP 503, Retry-After) to logins past the queue', async () => {
    const t = await startTestApp({ config: { bcryptCost: 12, passwordCheckQueue: 0, passwordCheckWaitMs: 100 } });
    try {
      // Unknown logins: the decoy check costs as much as a real one (cost 12), 4 at a time at most.
      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.app.yoga.fetch('http://slotkeeper.test/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: LOG_IN, variables: { email: `nobody-${unique()}@example.com`, password: 'whatever-it-is' } }),
          }),
        ),
      );
      const busy = responses.filter((r) => r.status === 503);
      console.log(`password queue: ${busy.length} of 10 simultaneous logins answered 503 (4 threads, queue 0)`);
      expect(busy.length).toBeGreaterThanOrEqual(5);
      expect(busy[0]!.headers.get('retry-after')).toBe('5');
      const body = await busy[0]!.json();
      expect(body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await t.close();
    }
  });
});

describe('bcrypt cost changes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('re-hashes a stored hash at the configured cost on a successful login, not on a failed one', async () => {
    const email = `rehash-${unique()}@example.com`;
    await t.app.database.prisma.customer.create({ data: { email, passwordHash: await bcrypt.hash(PASSWORD, 5) } });
    const rounds = async () => bcrypt.getRounds((await t.app.database.prisma.customer.findUniqueOrThrow({ where: { email } })).passwordHash);
    expect((await t.gql(LOG_IN, { email, password: 'not the password' })).data.logIn.__typename).toBe('InvalidCredentialsError');
    expect(await rounds()).toBe(5);
    expect((await t.gql(LOG_IN, { email, password: PASSWORD })).data.logIn.__typename).toBe('LogInSuccess');
    expect(await rounds()).toBe(t.app.config.bcryptCost);
    expect((await t.gql(LOG_IN, { email, password: PASSWORD })).data.logIn.__typename).toBe('LogInSuccess');
  });

  it('spends the decoy check at the cost of the stored hashes, not only the configured one', async () => {
    const hasher = createPasswordHasher(4);
    const stored = await bcrypt.hash('x', 11);
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    await hasher.verifyNothing('y');
    const atConfigured = await time(() => hasher.verifyNothing('y'));
    const real = await time(() => hasher.verify('y', stored));
    await hasher.verifyNothing('y'); // makes the decoy hash at the stored cost
    const decoy = await time(() => hasher.verifyNothing('y'));
    console.log(`decoy: ${atConfigured.toFixed(1)} ms at cost 4; real check at cost 11 ${real.toFixed(1)} ms, decoy after it ${decoy.toFixed(1)} ms`);
    expect(decoy).toBeGreaterThan(real / 2);
    expect(hasher.needsRehash(stored)).toBe(true);
  });
});

describe('password reset', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  /** Mann-Whitney U test: z of the rank sum of a against b (|z| < 3 means no difference beyond noise). */
  function rankZ(a: number[], b: number[]): number {
    const all = [...a.map((v) => ({ v, a: true })), ...b.map((v) => ({ v, a: false }))].sort((x, y) => x.v - y.v);
    let rankSum = 0;
    for (let i = 0; i < all.length; ) {
      let j = i;
      while (j < all.length && all[j]!.v === all[i]!.v) j++;
      const rank = (i + j + 1) / 2;
      for (let k = i; k < j; k++) if (all[k]!.a) rankSum += rank;
      i = j;
    }
    const n1 = a.length;
    const n2 = b.length;
    const u = rankSum - (n1 * (n1 + 1)) / 2;
    return (u - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
  };

  it('takes the same time for a real and an unknown login (200 samples, interleaved), and mails only the real ones', async () => {
    const SAMPLES = 100;
    const real: string[] = [];
    for (let i = 0; i < SAMPLES; i++) real.push((await t.seed.customer(`reset-real-${unique()}@example.com`)).email);
    const unknown = Array.from({ length: SAMPLES }, () => `reset-none-${unique()}@example.com`);
    const request = async (email: string) => {
      const start = performance.now();
      await t.app.services.accounts.requestPasswordReset(email);
      return performance.now() - start;
    };
    for (let i = 0; i < 10; i++) await request(`warm-up-${unique()}@example.com`);
    const times = { real: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < SAMPLES; i++) {
      // Alternating which goes first, so drift over the run touches both alike.
      if (i % 2) {
        times.real.push(await request(real[i]!));
        times.unknown.push(await request(unknown[i]!));
      } else {
        times.unknown.push(await request(unknown[i]!));
        times.real.push(await request(real[i]!));
      }
    }
    const z = rankZ(times.real, times.unknown);
    console.log(
      `reset request: median ${median(times.real).toFixed(2)} ms for a real login, ${median(times.unknown).toFixed(2)} ms for an unknown one ` +
        `(${SAMPLES} each); rank test z = ${z.toFixed(2)}`,
    );
    expect(Math.abs(z)).toBeLessThan(3);

    await t.app.mailWorker.drain();
    const mails = await t.app.database.prisma.mailMessage.findMany({ where: { to: { in: [...real, ...unknown] } } });
    expect(mails.filter((m) => m.template === 'password-reset').map((m) => m.to).sort()).toEqual([...real].sort());
    expect(mails.filter((m) => m.template !== 'password-reset')).toEqual([]);
  });

  it('refuses the current password as the new one', async () => {
    const { email } = await t.seed.customer();
    await t.app.services.accounts.requestPasswordReset(email);
    await t.app.mailWorker.drain();
    const mail = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to: email, template: 'password-reset' } });
    const token = t.mailLine(mail, 'Code');
    await expect(t.app.services.accounts.resetPassword(token, PASSWORD, PASSWORD)).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
    await t.app.services.accounts.resetPassword(token, 'Tr0mbone-Glacier-42', 'Tr0mbone-Glacier-42');
  });
});
