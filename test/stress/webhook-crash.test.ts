// Webhook deliveries survive a kill -9 of the api process that is delivering them (PostgreSQL): a
// real api process delivers activation.created events to a slow receiver, is killed with SIGKILL
// mid-delivery, and a new process delivers the rest. None is lost; none is delivered again after its
// 2xx was recorded.
//
// WEBHOOK_CRASH_EVENTS (30): activations, one event each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecret } from '@slotkeeper/schema/services/webhook';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, openPostgres } from '@slotkeeper/api/database';
import { ACTIVATE, machine } from '../support/operations.ts';
import { Seeder } from '../support/seed.ts';
import { type Receiver, signatureHeaders, startReceiver } from '../support/webhook-receiver.ts';
import { type ApiProcess, killAll, ownSchema, postGraphql, startApi } from './support/api-process.ts';
import { envCount } from './support/env-count.ts';
import { workerDatabaseUrl } from '../support/database-url.ts';

const EVENTS = envCount('WEBHOOK_CRASH_EVENTS', 30);
const runDatabaseUrl = workerDatabaseUrl();
if (!runDatabaseUrl) console.log('webhook-crash.test.ts skipped: it needs PostgreSQL (set DATABASE_URL).');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!runDatabaseUrl)('kill -9 during webhook deliveries (PostgreSQL)', () => {
  const processes: ApiProcess[] = [];
  let schema: ReturnType<typeof ownSchema> | undefined;
  let dataDir: string | undefined;
  let database: Database | undefined;
  let receiver: Receiver | undefined;

  beforeAll(async () => {
    schema = ownSchema(runDatabaseUrl!, 'webhook_crash');
    dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-webhook-crash-'));
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await killAll(processes);
    await receiver?.close();
    await database?.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no event and delivers none again after its 2xx', async () => {
    const env = {
      DATABASE_URL: schema!.url,
      DATA_DIR: dataDir!,
      KEY_ENCRYPTION_KEY: inject('keyEncryptionKey'),
      BCRYPT_COST: '4',
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_RETRY_BASE_SECONDS: '0.2',
      WEBHOOK_TIMEOUT_SECONDS: '2',
    };
    const first = await startApi(env);
    processes.push(first);
    database = await openPostgres(schema!.url, 2);
    const db = database.prisma;
    const secret = generateSecret();
    const endpoint = await db.webhookEndpoint.create({ data: { url: receiver!.url, events: ['activation.created'], secret } });
    const seed = new Seeder(db);
    const product = await seed.product();
    const licenses = [];
    for (let i = 0; i < EVENTS; i++) licenses.push(await seed.license({ seats: 1, product }));
    // Until the kill the receiver answers nothing: every attempt that reaches it is in flight then.
    const server = receiver!;
    server.answer = () => 'hang';

    const activations = await Promise.all(
      licenses.map(async (license, i) => {
        const { body } = await postGraphql(first.url, ACTIVATE, { input: machine(license, `crash-hook-${i}`) });
        return body.data.activateMachine.activation.id as string;
      }),
    );
    expect(activations).toHaveLength(EVENTS);
    const deadline = Date.now() + 30_000;
    while (server.received.length < 3 && Date.now() < deadline) await sleep(50);
    await first.kill9();
    const killedAt = server.received.length;
    expect(killedAt).toBeGreaterThan(0);

    // The next process answers as a healthy receiver does.
    server.answer = () => 200;
    const second = await startApi(env);
    processes.push(second);
    const done = Date.now() + 60_000;
    while ((await db.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'DELIVERED' } })) < EVENTS) {
      if (Date.now() > done) throw new Error(`not delivered in 60 s:\n${second.output()}`);
      await sleep(200);
    }

    const events = await db.webhookEvent.findMany({ where: { deliveries: { some: { endpointId: endpoint.id } } } });
    const delivered = new Set(server.received.map((r) => r.id));
    expect(events).toHaveLength(EVENTS);
    expect(events.filter((e) => !delivered.has(e.id))).toEqual([]);
    expect(new Set(events.map((e) => (e.payload as { data: { activation: { id: string } } }).data.activation.id))).toEqual(new Set(activations));
    const verifier = new Webhook(secret);
    for (const received of server.received) expect(() => verifier.verify(received.body, signatureHeaders(received))).not.toThrow();
    // Exactly one recorded 2xx per delivery: nothing was sent again once a 2xx had been recorded.
    const successes = await db.webhookAttempt.groupBy({
      by: ['deliveryId'],
      where: { delivery: { endpointId: endpoint.id }, statusCode: { gte: 200, lt: 300 } },
      _count: { _all: true },
    });
    expect(successes).toHaveLength(EVENTS);
    expect(successes.every((s) => s._count._all === 1)).toBe(true);
    const repeats = server.received.length - delivered.size;
    console.log(
      `webhook crash: ${EVENTS} events, ${killedAt} requests reached the receiver before the kill (unanswered), ` +
        `${server.received.length} requests in all, ${repeats} repeated webhook-ids (the attempts the kill cut short), 0 lost`,
    );
    // Only attempts cut short by the kill were made again.
    expect(repeats).toBeLessThanOrEqual(killedAt);
  });
});
