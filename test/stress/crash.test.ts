// Crash safety on PostgreSQL: a real api process is killed with SIGKILL while concurrent activations
// are in flight, then restarted. Seats must stay exact and clients that retry get their slot back.
//
// CRASH_ACTIVATIONS (200): concurrent activations, one machine each; CRASH_LICENSES (8) licenses of
// CRASH_SEATS (10) seats share them. The kill comes when a fifth of the answers are in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintHash } from '@slotkeeper/schema/services/input';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, openPostgres } from '@slotkeeper/api/database';
import { ACTIVATE, LOG_IN, MY_LICENSES, machine } from '../support/operations.ts';
import { type SeededLicense, Seeder } from '../support/seed.ts';
import { type ApiProcess, killAll, ownSchema, postGraphql, startApi } from './support/api-process.ts';
import { envCount } from './support/env-count.ts';
import { workerDatabaseUrl } from '../support/database-url.ts';

const ACTIVATIONS = envCount('CRASH_ACTIVATIONS', 200);
const LICENSES = envCount('CRASH_LICENSES', 8);
const SEATS = envCount('CRASH_SEATS', 10);
const KILL_AFTER = Math.max(1, Math.floor(ACTIVATIONS / 5));

const runDatabaseUrl = workerDatabaseUrl();
if (!runDatabaseUrl) console.log('crash.test.ts skipped: it needs PostgreSQL (set DATABASE_URL).');

type Outcome =
  | { kind: 'slot'; activationId: string }
  | { kind: 'full' }
  | { kind: 'connection'; error: string }
  | { kind: 'other'; detail: string };

interface Client {
  license: SeededLicense;
  fingerprint: string;
}

async function activate(url: string, client: Client): Promise<Outcome> {
  let answer;
  try {
    answer = await postGraphql(url, ACTIVATE, { input: machine(client.license, client.fingerprint) });
  } catch (error) {
    return { kind: 'connection', error: String((error as Error).cause ?? error) };
  }
  const result = answer.body?.data?.activateMachine;
  if (answer.status === 200 && result?.__typename === 'ActivateMachineSuccess') return { kind: 'slot', activationId: result.activation.id };
  if (answer.status === 200 && result?.code === 'NO_FREE_SLOT') return { kind: 'full' };
  return { kind: 'other', detail: `HTTP ${answer.status} ${JSON.stringify(answer.body)}` };
}

describe.skipIf(!runDatabaseUrl)('kill -9 during concurrent activations (PostgreSQL)', () => {
  const processes: ApiProcess[] = [];
  let schema: ReturnType<typeof ownSchema> | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  let database: Database | undefined;
  let licenses: SeededLicense[];
  let clients: Client[];

  beforeAll(async () => {
    schema = ownSchema(runDatabaseUrl!, 'crash');
    dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-crash-'));
    env = {
      DATABASE_URL: schema.url,
      DATA_DIR: dataDir,
      KEY_ENCRYPTION_KEY: inject('keyEncryptionKey'),
      BCRYPT_COST: '4',
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
    };
    processes.push(await startApi(env));
    database = await openPostgres(schema.url, 2);
    const seed = new Seeder(database.prisma);
    licenses = [];
    for (let i = 0; i < LICENSES; i++) licenses.push(await seed.license({ seats: SEATS }));
    clients = Array.from({ length: ACTIVATIONS }, (_, i) => ({ license: licenses[i % LICENSES]!, fingerprint: `crash-machine-${i}` }));
  });

  afterAll(async () => {
    await killAll(processes);
    await database?.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function liveRows() {
    return database!.prisma.activation.findMany({
      where: { licenseId: { in: licenses.map((l) => l.id) }, releasedAt: null },
      select: { id: true, licenseId: true, fingerprintHash: true },
    });
  }

  /** Per license: seats, live rows in the database, and seatsUsed + activations as the API reports them. */
  async function checkSeats(url: string) {
    const rows = await liveRows();
    for (const license of licenses) {
      const live = rows.filter((r) => r.licenseId === license.id);
      expect(live.length, `live activations of ${license.id}`).toBeLessThanOrEqual(license.seats);
      const session = (await postGraphql(url, LOG_IN, { email: license.email, password: license.password })).body.data.logIn.sessionToken;
      const [reported] = (await postGraphql(url, MY_LICENSES, {}, { authorization: `Bearer ${session}` })).body.data.myLicenses;
      expect(reported.seatsUsed, `seatsUsed of ${license.id}`).toBe(live.length);
      expect(reported.activations.map((a: { id: string }) => a.id).sort()).toEqual(live.map((r) => r.id).sort());
    }
    return rows;
  }

  it('keeps every license within its seats, reports seats used exactly, and gives retrying clients their slot back', async () => {
    const first = processes[0]!;
    let answered = 0;
    let killed: Promise<void> | undefined;
    const before = await Promise.all(
      clients.map(async (client) => {
        const outcome = await activate(first.url, client);
        if (outcome.kind !== 'connection' && ++answered === KILL_AFTER) killed = first.kill9();
        return outcome;
      }),
    );
    await killed;
    const count = (outcomes: Outcome[], kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
    console.log(
      `before the kill (${ACTIVATIONS} concurrent activations, ${LICENSES} licenses × ${SEATS} seats, kill -9 after ${KILL_AFTER} answers): ` +
        `${count(before, 'slot')} got a slot, ${count(before, 'full')} NO_FREE_SLOT, ${count(before, 'connection')} failed by connection, ` +
        `${count(before, 'other')} other`,
    );
    expect(before.filter((o) => o.kind === 'other')).toEqual([]);
    // The crash really happened in the middle: some answers came back, some requests lost theirs.
    expect(count(before, 'slot')).toBeGreaterThan(0);
    expect(count(before, 'connection')).toBeGreaterThan(0);

    const second = await startApi(env);
    processes.push(second);
    const afterRestart = await checkSeats(second.url);
    const committedUnanswered = clients.filter(
      (c, i) => before[i]!.kind === 'connection' && afterRestart.some((r) => r.licenseId === c.license.id && r.fingerprintHash === fingerprintHash(c.fingerprint)),
    ).length;
    console.log(`after restart: ${afterRestart.length} live activations; ${committedUnanswered} of them were taken by requests whose answer the crash lost`);

    // Every client retries with its own machine.
    const retried = await Promise.all(clients.map((client) => activate(second.url, client)));
    expect(retried.filter((o) => o.kind !== 'slot' && o.kind !== 'full')).toEqual([]);
    const rows = await checkSeats(second.url);
    let slotBack = 0;
    let newSlot = 0;
    for (const [i, client] of clients.entries()) {
      const earlier = before[i]!;
      const now = retried[i]!;
      const held = afterRestart.find((r) => r.licenseId === client.license.id && r.fingerprintHash === fingerprintHash(client.fingerprint));
      if (earlier.kind === 'slot') expect(now, `client ${i} had a slot before the crash`).toEqual(earlier);
      if (held) {
        expect(now, `client ${i} holds ${held.id}`).toEqual({ kind: 'slot', activationId: held.id });
        if (earlier.kind === 'connection') slotBack++;
      } else if (now.kind === 'slot') {
        newSlot++;
      }
      if (now.kind === 'slot') {
        const row = rows.find((r) => r.id === now.activationId);
        expect(row?.fingerprintHash, `the slot given to client ${i} is its own machine's`).toBe(fingerprintHash(client.fingerprint));
      }
    }
    for (const license of licenses) {
      const wanting = clients.filter((c) => c.license === license).length;
      // Everyone asked again, so a license ends with all its seats taken (or every one of its machines in).
      expect(rows.filter((r) => r.licenseId === license.id)).toHaveLength(Math.min(license.seats, wanting));
    }
    const slots = retried.filter((o): o is Extract<Outcome, { kind: 'slot' }> => o.kind === 'slot');
    expect(new Set(slots.map((s) => s.activationId)).size).toBe(slots.length);
    expect(slots).toHaveLength(rows.length);

    // Asking yet again changes nothing: the same slots, no extra seat.
    const again = await Promise.all(clients.map((client) => activate(second.url, client)));
    expect(again).toEqual(retried);
    expect((await liveRows()).length).toBe(rows.length);
    console.log(
      `after retry: ${slots.length} clients hold a slot (${slotBack} got back the slot their lost request had taken, ` +
        `${newSlot} took a free one), ${count(retried, 'full')} NO_FREE_SLOT; a second retry changed nothing`,
    );
  });
});
