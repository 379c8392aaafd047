// Two api processes on one PostgreSQL schema and one Redis: seats stay exact across both, slot events
// reach subscribers of both, and rate limits count across both.
//
// TWO_INSTANCE_ATTEMPTS (2000): concurrent activation attempts spread over both instances and 10
// licenses of TWO_INSTANCE_SEATS (20) seats, each attempt from one of 3 × seats machines of its license
// (so machines come back and every license ends full). TWO_INSTANCE_LOGIN_BURST (40): concurrent wrong
// passwords for one login over both instances. TWO_INSTANCE_ADDRESS_LIMIT (300): the per-address
// limit; 1.5 × that many requests come from one address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, openPostgres } from '@slotkeeper/api/database';
import { ACTIVATE, DEACTIVATE, LOG_IN, machine } from '../support/operations.ts';
import { type SeededLicense, Seeder } from '../support/seed.ts';
import { type SlotEvent, type Subscriber, WAIT_MS, subscribeSlots, untilLive } from '../support/subscriptions.ts';
import { type ApiProcess, killAll, ownSchema, postGraphql, startApi } from './support/api-process.ts';
import { envCount } from './support/env-count.ts';
import { workerDatabaseUrl } from '../support/database-url.ts';

const ATTEMPTS = envCount('TWO_INSTANCE_ATTEMPTS', 2000);
const SEATS = envCount('TWO_INSTANCE_SEATS', 20);
const LOGIN_BURST = envCount('TWO_INSTANCE_LOGIN_BURST', 40);
const ADDRESS_LIMIT = envCount('TWO_INSTANCE_ADDRESS_LIMIT', 300);
const LICENSES = 10;
const FAILED_LOGIN_LIMIT = 5;

const runDatabaseUrl = workerDatabaseUrl();
const redisUrl = process.env.REDIS_URL?.trim();
if (!runDatabaseUrl || !redisUrl) console.log('two-instances.test.ts skipped: it needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL).');

/** A client address of its own per request: the servers trust one proxy hop (TRUST_PROXY_HOPS=1). */
let nextAddress = 0;
const address = () => {
  nextAddress++;
  return `10.${(nextAddress >> 16) & 255}.${(nextAddress >> 8) & 255}.${nextAddress & 255}`;
};

describe.skipIf(!runDatabaseUrl || !redisUrl)('two api instances on one PostgreSQL + Redis', () => {
  const processes: ApiProcess[] = [];
  const subscribers: Subscriber[] = [];
  let schema: ReturnType<typeof ownSchema> | undefined;
  let dataDir: string | undefined;
  let database: Database | undefined;
  let a: ApiProcess;
  let b: ApiProcess;
  let seed: Seeder;

  beforeAll(async () => {
    schema = ownSchema(runDatabaseUrl!, 'two');
    dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-two-'));
    const env = {
      DATABASE_URL: schema.url,
      REDIS_URL: redisUrl!,
      DATA_DIR: dataDir,
      KEY_ENCRYPTION_KEY: inject('keyEncryptionKey'),
      BCRYPT_COST: '4',
      TRUST_PROXY_HOPS: '1',
      RATE_LIMIT_PER_ADDRESS: String(ADDRESS_LIMIT),
      RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
      RATE_LIMIT_FAILED_LOGINS: String(FAILED_LOGIN_LIMIT),
      // 2000 activations queue for bcrypt at once: what is tested is the seat count, not the overload
      // answer (test/overload.test.ts), so the queue holds them all however slow a loaded machine is.
      PASSWORD_CHECK_QUEUE: '4000',
      PASSWORD_CHECK_WAIT_MS: '120000',
    };
    // Both start at once: their migrations queue on PostgreSQL's advisory lock.
    const started = await Promise.allSettled([startApi(env), startApi(env)]);
    for (const s of started) if (s.status === 'fulfilled') processes.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [a, b] = processes as [ApiProcess, ApiProcess];
    database = await openPostgres(schema.url, 2);
    seed = new Seeder(database.prisma);
  });

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()));
    await killAll(processes);
    await database?.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const headers = () => ({ 'x-forwarded-for': address() });

  it(`never oversells under ${ATTEMPTS} concurrent activations over both instances, and every subscriber sees every change of its license`, async () => {
    const product = await seed.product();
    const licenses: SeededLicense[] = [];
    for (let i = 0; i < LICENSES; i++) licenses.push(await seed.license({ seats: SEATS, product }));

    // One SSE subscriber per license on each instance, live once a warm-up on the *other* instance
    // reached it (through Redis).
    const watchers: { license: SeededLicense; on: string; sub: Subscriber }[] = [];
    for (const license of licenses) {
      const session = (await postGraphql(a.url, LOG_IN, { email: license.email, password: license.password }, headers())).body.data.logIn.sessionToken;
      for (const [on, other] of [[a, b], [b, a]] as const) {
        const sub = subscribeSlots('sse', on.url, license.id, session);
        subscribers.push(sub);
        await untilLive(sub.results, license, other.url);
        watchers.push({ license, on: on === a ? 'A' : 'B', sub });
      }
    }

    const machines = SEATS * 3;
    const attempts = Array.from({ length: ATTEMPTS }, (_, i) => ({
      license: licenses[i % LICENSES]!,
      fingerprint: `two-${Math.floor(i / LICENSES) % machines}`,
      via: i % 2 === 0 ? a : b,
    }));
    const outcomes = await Promise.all(
      attempts.map(async ({ license, fingerprint, via }) => {
        const { status, body } = await postGraphql(via.url, ACTIVATE, { input: machine(license, fingerprint) }, headers());
        const result = body?.data?.activateMachine;
        if (status === 200 && result?.__typename === 'ActivateMachineSuccess') return { kind: 'slot', id: result.activation.id as string };
        if (status === 200 && result?.code === 'NO_FREE_SLOT') return { kind: 'full' };
        return { kind: 'other', detail: `HTTP ${status} ${JSON.stringify(body)}` };
      }),
    );
    const slots = outcomes.filter((o) => o.kind === 'slot').length;
    const full = outcomes.filter((o) => o.kind === 'full').length;
    const other = outcomes.filter((o) => o.kind === 'other');
    console.log(
      `${ATTEMPTS} concurrent activation attempts over 2 instances, ${LICENSES} licenses × ${SEATS} seats, ${machines} machines each: ` +
        `${slots} answered with a slot (first or again), ${full} NO_FREE_SLOT, ${other.length} other`,
    );
    if (other.length > 0) console.log(`server logs:\nA: ${a.output().slice(-4000)}\nB: ${b.output().slice(-4000)}`);
    expect(other.slice(0, 5)).toEqual([]);

    const rows = await database!.prisma.activation.findMany({
      where: { licenseId: { in: licenses.map((l) => l.id) }, releasedAt: null },
      select: { id: true, licenseId: true, machineName: true },
    });
    const perLicense = licenses.map((l) => rows.filter((r) => r.licenseId === l.id));
    console.log(`live activations per license (seats ${SEATS}): ${perLicense.map((r) => r.length).join(' ')}`);
    for (const [i, license] of licenses.entries()) {
      // Every license had more machines asking than seats: it ends exactly full, never over.
      expect(perLicense[i], `live activations of license ${i}`).toHaveLength(license.seats);
      // One machine, one slot: a machine that came back got the same activation.
      const slotOf = new Map<string, string>();
      attempts.forEach((attempt, k) => {
        const outcome = outcomes[k]!;
        if (attempt.license !== license || outcome.kind !== 'slot') return;
        const seen = slotOf.get(attempt.fingerprint);
        if (seen) expect(outcome.id).toBe(seen);
        slotOf.set(attempt.fingerprint, outcome.id!);
      });
      expect([...slotOf.values()].sort()).toEqual(perLicense[i]!.map((r) => r.id).sort());
    }

    // A fence: one machine per license leaves through A; each subscriber reads up to that event and
    // must have seen exactly the license's activations before it, whichever instance made them.
    const fences = new Map<string, string>();
    for (const [i, license] of licenses.entries()) {
      const leaving = perLicense[i]![0]!;
      const fingerprint = leaving.machineName.replace(/^PC-/, '');
      const { body } = await postGraphql(a.url, DEACTIVATE, { input: { email: license.email, password: license.password, product: license.product, fingerprint } }, headers());
      expect(body.data.deactivateMachine.__typename).toBe('DeactivateMachineSuccess');
      fences.set(license.id, leaving.id);
    }
    let delivered = 0;
    for (const { license, on, sub } of watchers) {
      const events: SlotEvent[] = [];
      for (;;) {
        const event = await sub.results.nextEvent(WAIT_MS);
        if (event.change === 'DEACTIVATED' && event.activation.id === fences.get(license.id)) break;
        // The warm-up that made the license's other subscriber live came after this one was live.
        if (!event.activation.machineName.startsWith('PC-warm-up-')) events.push(event);
      }
      delivered += events.length;
      const ids = perLicense[licenses.indexOf(license)]!.map((r) => r.id).sort();
      expect(events.filter((e) => e.change !== 'ACTIVATED' || e.licenseId !== license.id), `subscriber on ${on}`).toEqual([]);
      expect(events.map((e) => e.activation.id).sort(), `subscriber on ${on}`).toEqual(ids);
      // Each activation counted the seats under the license's lock: 1, 2, …, seats, each once.
      expect(events.map((e) => e.seatsUsed).sort((x, y) => x - y)).toEqual(Array.from({ length: SEATS }, (_, k) => k + 1));
    }
    console.log(`slot events: ${watchers.length} SSE subscribers (one per license on each instance) received ${delivered} ACTIVATED events, ${LICENSES * SEATS} per instance, none missing or extra`);
  });

  it('counts failed logins across both instances: the limit holds whichever instance is asked', async () => {
    const license = await seed.license();
    const logIn = (via: ApiProcess, password: string) =>
      postGraphql(via.url, LOG_IN, { email: license.email, password }, headers()).then((r) => (r.body.data.logIn.code ?? r.body.data.logIn.__typename) as string);
    const answers: string[] = [];
    for (let i = 0; i < FAILED_LOGIN_LIMIT; i++) answers.push(await logIn(i % 2 === 0 ? a : b, `wrong ${i}`));
    const afterLimit = [await logIn(a, 'wrong again'), await logIn(b, 'wrong again'), await logIn(a, license.password), await logIn(b, license.password)];
    console.log(`failed logins, alternating instances: ${answers.join(' ')} | then A wrong, B wrong, A right, B right: ${afterLimit.join(' ')}`);
    expect(answers).toEqual(Array(FAILED_LOGIN_LIMIT).fill('INVALID_CREDENTIALS'));
    expect(afterLimit).toEqual(Array(4).fill('RATE_LIMITED'));

    // A burst of wrong passwords at once, over both instances, for another login.
    const burst = await seed.license();
    const results = await Promise.all(
      Array.from({ length: LOGIN_BURST }, (_, i) =>
        postGraphql(i % 2 === 0 ? a.url : b.url, LOG_IN, { email: burst.email, password: `guess ${i}` }, headers()).then((r) => r.body.data.logIn),
      ),
    );
    const invalid = results.filter((r) => r.code === 'INVALID_CREDENTIALS').length;
    const limited = results.filter((r) => r.code === 'RATE_LIMITED').length;
    console.log(`${LOGIN_BURST} concurrent wrong passwords over 2 instances: ${invalid} INVALID_CREDENTIALS, ${limited} RATE_LIMITED`);
    expect(invalid).toBe(FAILED_LOGIN_LIMIT);
    expect(limited).toBe(LOGIN_BURST - FAILED_LOGIN_LIMIT);
  });

  it('counts requests per client address across both instances', async () => {
    const from = { 'x-forwarded-for': address() };
    const total = Math.ceil(ADDRESS_LIMIT * 1.5);
    const statuses = await Promise.all(
      Array.from({ length: total }, (_, i) => postGraphql(i % 2 === 0 ? a.url : b.url, '{ __typename }', {}, from).then((r) => r.status)),
    );
    const ok = statuses.filter((s) => s === 200).length;
    const limited = statuses.filter((s) => s === 429).length;
    console.log(`${total} requests from one address over 2 instances (limit ${ADDRESS_LIMIT}/min): ${ok} answered, ${limited} HTTP 429`);
    expect(ok).toBe(ADDRESS_LIMIT);
    expect(limited).toBe(total - ADDRESS_LIMIT);
    // Another address is unaffected, on either instance.
    expect((await postGraphql(a.url, '{ __typename }', {}, headers())).status).toBe(200);
    expect((await postGraphql(b.url, '{ __typename }', {}, headers())).status).toBe(200);
  });
});
