import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createActivationService } from '@slotkeeper/schema/services/activation';
import { type EffectLog, transaction } from '@slotkeeper/schema/services/db';
import { createLicenseService } from '@slotkeeper/schema/services/license';
import { createOutbox } from '@slotkeeper/schema/services/mail';
import { createMailSecrets } from '@slotkeeper/schema/services/mail-secret';
import { createPasswordHasher } from '@slotkeeper/schema/services/password';
import type { SlotUsageEvent } from '@slotkeeper/schema/services/slot-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { machine } from './support/operations.ts';
import { BCRYPT_COST } from './support/seed.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const secrets = createMailSecrets(randomBytes(32));

function capturingLog() {
  const errors: { err: unknown; message: string }[] = [];
  const log: EffectLog = { error: ({ err }, message) => void errors.push({ err, message }) };
  return { log, errors };
}

describe('transaction effects (afterCommit)', () => {
  it('runs effects after the commit, in order, once per registered function', async () => {
    const db = t.app.database.prisma;
    const { log } = capturingLog();
    const seen: string[] = [];
    const product = await t.seed.product();
    const wake = () => void seen.push('wake');
    const result = await transaction(
      db,
      async (tx, work) => {
        await tx.product.update({ where: { id: product.id }, data: { name: 'Renamed in tx' } });
        work.afterCommit(async () => {
          // Read outside the transaction: only a committed change is visible here.
          const row = await db.product.findUniqueOrThrow({ where: { id: product.id } });
          seen.push(`first saw ${row.name}`);
        });
        work.afterCommit(wake);
        work.afterCommit(() => void seen.push('second'));
        work.afterCommit(wake);
        seen.push('callback done');
        return 'answer';
      },
      log,
    );
    expect(result).toBe('answer');
    expect(seen).toEqual(['callback done', 'first saw Renamed in tx', 'wake', 'second']);
  });

  it('never runs the effects of a transaction that rolled back', async () => {
    const db = t.app.database.prisma;
    const product = await t.seed.product();
    const seen: string[] = [];
    await expect(
      transaction(db, async (tx, work) => {
        await tx.product.update({ where: { id: product.id }, data: { name: 'Never committed' } });
        work.afterCommit(() => void seen.push('effect'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(seen).toEqual([]);
    expect((await db.product.findUniqueOrThrow({ where: { id: product.id } })).name).toBe(product.name);
  });

  it('keeps a committed change and its answer when an effect fails, logs the failure and runs the later effects', async () => {
    const db = t.app.database.prisma;
    const product = await t.seed.product();
    const seen: string[] = [];
    const result = await transaction(
      db,
      async (tx, work) => {
        await tx.product.update({ where: { id: product.id }, data: { name: 'Committed anyway' } });
        work.afterCommit(() => {
          throw new Error('pub/sub down');
        });
        work.afterCommit(() => void seen.push('later effect'));
        return 'answer';
      },
      t.app.logger,
    );
    expect(result).toBe('answer');
    expect(seen).toEqual(['later effect']);
    const logged = () =>
      readFileSync(t.logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: string; msg: string; err?: { message: string } })
        .filter((entry) => entry.msg === 'after-commit effect failed');
    await expect.poll(logged).toEqual([expect.objectContaining({ level: 'error', err: expect.objectContaining({ message: 'pub/sub down' }) })]);
    expect((await db.product.findUniqueOrThrow({ where: { id: product.id } })).name).toBe('Committed anyway');
  });
});

describe('services register their effects', () => {
  it('an activation whose slot event cannot be published still takes the slot and answers', async () => {
    const db = t.app.database.prisma;
    const { log, errors } = capturingLog();
    const activations = createActivationService({
      db,
      clock: t.clock,
      signer: t.app.services.signer,
      accounts: t.app.services.accounts,
      events: {
        publish() {
          throw new Error('pub/sub down');
        },
      },
      logger: log,
    });
    const license = await t.seed.license({ seats: 1 });
    const result = await activations.activate(machine(license, 'fp-effects'));
    expect(result.license.seatsUsed).toBe(1);
    expect(result.token.split('.')).toHaveLength(3);
    expect(await db.activation.count({ where: { licenseId: license.id, releasedAt: null } })).toBe(1);
    expect(errors.map((e) => (e.err as Error).message)).toEqual(['pub/sub down']);
  });

  it('publishes no slot event for a seat change that was refused', async () => {
    const db = t.app.database.prisma;
    const published: SlotUsageEvent[] = [];
    const licenses = createLicenseService({
      db,
      clock: t.clock,
      hasher: createPasswordHasher(BCRYPT_COST),
      outbox: createOutbox(secrets),
      events: { publish: (event) => void published.push(event) },
      logger: capturingLog().log,
    });
    const license = await t.seed.license({ seats: 3 });
    const a = await t.app.services.activations.activate(machine(license, 'fp-a'));
    await t.app.services.activations.activate(machine(license, 'fp-b'));
    await t.app.services.activations.activate(machine(license, 'fp-c'));
    const vendor = { kind: 'staff', staffId: 'x', email: 'vendor@example.com', role: 'VENDOR_ADMIN', resellerId: null, sessionId: 's', sessionExpiresAt: new Date(Date.now() + 3_600_000) } as const;
    // Releasing one machine is not enough to go down to one seat: the whole change is refused.
    await expect(licenses.update(vendor, { licenseId: license.id, seats: 1, releaseActivationIds: [a.activation.id] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'seats',
    });
    expect(published).toEqual([]);
    expect(await db.activation.count({ where: { licenseId: license.id, releasedAt: null } })).toBe(3);
  });

  it('wakes the mail worker only after the issued license and its mail are committed, and a failed wake-up fails nothing', async () => {
    const db = t.app.database.prisma;
    const { log, errors } = capturingLog();
    const email = `effects-${Date.now()}@example.com`;
    let queuedAtWake = -1;
    const licenses = createLicenseService({
      db,
      clock: t.clock,
      hasher: createPasswordHasher(BCRYPT_COST),
      logger: log,
      events: { publish: () => {} },
      outbox: createOutbox(secrets, () => {
        void db.mailMessage.count({ where: { to: email } }).then((n) => (queuedAtWake = n));
        throw new Error('worker gone');
      }),
    });
    const product = await t.seed.product();
    const issued = await licenses.issue('operator', { email, product: product.code, seats: 2, expiresAt: new Date(Date.now() + 86_400_000) });
    expect(issued.customer.created).toBe(true);
    await expect.poll(() => queuedAtWake).toBe(1);
    expect(errors.map((e) => (e.err as Error).message)).toEqual(['worker gone']);
  });
});
