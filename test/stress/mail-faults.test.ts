// Mail under faults: a real SMTP server that drops connections in the middle of a message, answers
// 4xx (try later) and 5xx (refused). Every queued message ends delivered, or FAILED with its error in
// the outbox (what `pnpm cli mail list` and the dashboard show); none is lost, none sent twice —
// except where SMTP itself can't tell: a connection lost after the message's final "." but before the
// server's 250 reply. The server has the message, the worker saw a failure and sends it again with
// the same Message-ID, so the recipient's side can drop the copy. That case is counted apart.
//
// MAIL_FAULT_MESSAGES (360): messages queued, spread evenly over the fault kinds below.
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@slotkeeper/api/logger';
import { type MailWorker, createMailWorker, messageId, smtpTransport } from '@slotkeeper/api/mail-worker';
import { createMailSecrets } from '@slotkeeper/schema/services/mail-secret';
import { commands, runCommand } from '@slotkeeper/api/operator';
import { SMTPServer } from 'smtp-server';
import { type TestApp, startTestApp } from '../support/app.ts';
import { envCount } from './support/env-count.ts';

const MESSAGES = envCount('MAIL_FAULT_MESSAGES', 360);
/** One claim's worth (the worker claims 10 at a time). */
const LEASE_MESSAGES = 10;
const MAX_ATTEMPTS = 4;

/** What the server does to attempt `n` (1-based) of a message, by the recipient's local part. */
const FAULTS = {
  ok: () => 'accept',
  'drop-data': (n: number) => (n <= 2 ? 'drop-data' : 'accept'),
  'temp-rcpt': (n: number) => (n <= 2 ? 'temp-rcpt' : 'accept'),
  'temp-data': (n: number) => (n === 1 ? 'temp-data' : 'accept'),
  'lost-reply': (n: number) => (n === 1 ? 'lost-reply' : 'accept'),
  'perm-rcpt': () => 'perm-rcpt',
  'perm-data': () => 'perm-data',
  'temp-forever': () => 'temp-rcpt',
  'drop-forever': () => 'drop-data',
} as const;
type Fault = keyof typeof FAULTS;
type Action = ReturnType<(typeof FAULTS)[Fault]>;

/** The outcome each fault kind must end in: status and attempts used. */
const EXPECTED: Record<Fault, { status: 'SENT' | 'FAILED'; attempts: number; receipts: number }> = {
  ok: { status: 'SENT', attempts: 1, receipts: 1 },
  'drop-data': { status: 'SENT', attempts: 3, receipts: 1 },
  'temp-rcpt': { status: 'SENT', attempts: 3, receipts: 1 },
  'temp-data': { status: 'SENT', attempts: 2, receipts: 1 },
  'lost-reply': { status: 'SENT', attempts: 2, receipts: 2 },
  'perm-rcpt': { status: 'FAILED', attempts: 1, receipts: 0 },
  'perm-data': { status: 'FAILED', attempts: 1, receipts: 0 },
  'temp-forever': { status: 'FAILED', attempts: MAX_ATTEMPTS, receipts: 0 },
  'drop-forever': { status: 'FAILED', attempts: MAX_ATTEMPTS, receipts: 0 },
};

const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

/**
 * A real SMTP server (smtp-server) that applies `actionFor(recipient, attempt)` and keeps what it
 * accepted by Message-ID. `delayMs` holds every reply to DATA (a slow server).
 */
class FaultySmtpServer {
  readonly attempts = new Map<string, number>();
  /** Message-ID → recipients of each copy the server took responsibility for. */
  readonly received = new Map<string, string[]>();
  dropped = 0;
  private server: SMTPServer | null = null;
  private readonly sockets = new Map<number, Socket>();
  port = 0;

  constructor(private readonly actionFor: (to: string, attempt: number) => Action, private readonly delayMs = 0) {}

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private keep(raw: string, to: string) {
    const id = /^message-id:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '(none)';
    this.received.set(id, [...(this.received.get(id) ?? []), to]);
  }

  async start() {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const to = address.address;
        const attempt = (this.attempts.get(to) ?? 0) + 1;
        this.attempts.set(to, attempt);
        const action = this.actionFor(to, attempt);
        if (action === 'temp-rcpt') return callback(smtpError(451, 'Mailbox busy, try again later'));
        if (action === 'perm-rcpt') return callback(smtpError(550, 'No such mailbox here'));
        callback();
      },
      onData: (stream, session, callback) => {
        const to = session.envelope.rcptTo[0]!.address;
        const action = this.actionFor(to, this.attempts.get(to)!);
        if (action === 'drop-data') {
          // The connection dies in the middle of the message: the server never takes it.
          stream.once('data', () => {
            this.dropped++;
            this.sockets.get(session.remotePort)?.destroy();
          });
          stream.resume();
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if (action === 'temp-data') return callback(smtpError(451, 'Local error in processing, try again later'));
          if (action === 'perm-data') return callback(smtpError(554, 'Message refused as spam'));
          this.keep(raw, to);
          if (action === 'lost-reply') {
            // Taken, then the connection dies before the 250 reply reaches the client.
            this.dropped++;
            this.sockets.get(session.remotePort)?.destroy();
            return;
          }
          setTimeout(() => callback(), this.delayMs);
        });
      },
    });
    server.on('error', () => {
      // Connections this server destroys on purpose report errors here.
    });
    server.server.on('connection', (socket: Socket) => {
      this.sockets.set(socket.remotePort!, socket);
      socket.once('close', () => this.sockets.delete(socket.remotePort!));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as { port: number }).port;
    this.server = server;
  }

  async stop() {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets.values()) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const domain = `faults-${randomBytes(4).toString('hex')}.test`;
const faultOf = (to: string) => {
  const local = to.slice(0, to.indexOf('@'));
  return local.slice(0, local.lastIndexOf('-')) as Fault;
};
const faulty = new FaultySmtpServer((to, attempt) => (to.endsWith(`@${domain}`) ? FAULTS[faultOf(to)](attempt) : 'perm-rcpt'));
const leaseDomain = `lease-${randomBytes(4).toString('hex')}.test`;
// Slow, not faulty: every message takes 300 ms to be answered, so a claim of 10 outlasts a 2 s lease.
const slow = new FaultySmtpServer((to) => (to.endsWith(`@${leaseDomain}`) ? 'accept' : 'perm-rcpt'), 300);
let t: TestApp;
const extraWorkers: MailWorker[] = [];

beforeAll(async () => {
  await faulty.start();
  await slow.start();
  t = await startTestApp({ config: { smtpUrl: faulty.url, mailMaxAttempts: MAX_ATTEMPTS, mailRetryBaseSeconds: 1 } });
  t.app.mailWorker.start();
});

afterAll(async () => {
  for (const worker of extraWorkers) await worker.stop();
  await t?.close();
  await faulty.stop();
  await slow.stop();
});

/** Issues a license per address (each queues its credentials e-mail) and returns the outbox ids. */
async function queue(addresses: string[]) {
  const product = (await t.seed.product()).code;
  const expiresAt = new Date(Date.now() + 30 * 86_400_000);
  for (const email of addresses) await t.app.services.licenses.issue('operator', { email, product, seats: 1, expiresAt });
  const rows = await t.app.database.prisma.mailMessage.findMany({ where: { to: { in: addresses } }, select: { id: true } });
  return rows.map((r) => r.id);
}

/** Waits (waking the given workers) until none of `ids` is still to be sent; fails after `ms`. */
async function settle(ids: string[], wake: () => void, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await t.app.database.prisma.mailMessage.count({ where: { id: { in: ids }, status: { in: ['PENDING', 'SENDING'] } } });
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error(`${open} message(s) still pending after ${ms} ms`);
    wake();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('mail under SMTP faults', () => {
  it('delivers every message once or marks it FAILED with the error shown to operators; none lost', async () => {
    const kinds = Object.keys(FAULTS) as Fault[];
    const addresses = Array.from({ length: MESSAGES }, (_, i) => `${kinds[i % kinds.length]}-${i}@${domain}`);
    const ids = await queue(addresses);
    expect(ids).toHaveLength(MESSAGES);
    await settle(ids, () => t.app.mailWorker.wake(), 300_000);

    const rows = await t.app.database.prisma.mailMessage.findMany({ where: { id: { in: ids } } });
    const sent = rows.filter((r) => r.status === 'SENT');
    const failed = rows.filter((r) => r.status === 'FAILED');
    const copies = (id: string) => faulty.received.get(messageId(id, t.app.config.publicUrl)) ?? [];
    let duplicates = 0;
    for (const row of rows) {
      const expected = EXPECTED[faultOf(row.to)];
      const seen = copies(row.id);
      expect({ to: row.to, status: row.status, attempts: row.attempts, copies: seen.length }).toEqual({
        to: row.to,
        status: expected.status,
        attempts: expected.attempts,
        copies: expected.receipts,
      });
      expect(seen.every((to) => to === row.to)).toBe(true);
      if (row.status === 'FAILED') expect(row.lastError, row.to).toBeTruthy();
      duplicates += Math.max(0, seen.length - 1);
    }
    // Nothing arrived that the outbox doesn't know of.
    const known = new Set(ids.map((id) => messageId(id, t.app.config.publicUrl)));
    expect([...faulty.received.keys()].filter((id) => !known.has(id) && faulty.received.get(id)!.some((to) => to.endsWith(`@${domain}`)))).toEqual([]);

    // Operators see each failure with its reason: `pnpm cli mail list --status FAILED`.
    const listed = await runCommand(t.app, 'mail list', { status: 'FAILED', limit: '1000' });
    const text = commands['mail list']!.text(listed.result as never);
    for (const row of failed) {
      expect(text).toContain(row.id);
      expect(text).toContain(row.lastError!.split('\n')[0]!);
    }
    const reasons = new Map<string, number>();
    for (const row of failed) {
      const reason = `${faultOf(row.to)}: ${row.lastError!.slice(0, 60)}`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const attempts = rows.reduce((sum, r) => sum + r.attempts, 0);
    console.log(
      `mail under faults: ${rows.length} queued = ${sent.length} delivered + ${failed.length} failed; ${attempts} attempts, ` +
        `${faulty.dropped} connections dropped by the server, ${duplicates} duplicate(s) (all from replies lost after the final ".", same Message-ID)`,
    );
    console.log(`failures as operators see them:\n  ${[...reasons].map(([r, n]) => `${n} × ${r}`).join('\n  ')}`);
    expect(sent.length + failed.length).toBe(MESSAGES);
  });

  it('sends each message once when a slow SMTP server outlasts a claim and another worker takes over', async () => {
    // The app's worker steps aside; two workers share the outbox, each claim holding a message 2 s.
    await t.app.mailWorker.stop();
    const logger = createLogger({ logLevel: 'silent' });
    for (let i = 0; i < 2; i++) {
      const worker = createMailWorker({
        db: t.app.database.prisma,
        clock: t.clock,
        transport: smtpTransport(slow.url, t.app.config.smtpName),
        brand: { vendorName: 'Slotkeeper', publicUrl: t.app.config.publicUrl, replyTo: null },
        from: 'Slotkeeper <no-reply@localhost>',
        secrets: createMailSecrets(t.app.config.keyEncryptionKey!),
        maxAttempts: MAX_ATTEMPTS,
        retryBaseMs: 1000,
        pollMs: 100,
        leaseMs: 2000,
        logger,
        onSendFailed: () => {},
        fulfilResetRequest: (tx, email) => t.app.services.accounts.fulfilResetRequest(tx, email),
      });
      extraWorkers.push(worker);
    }
    const addresses = Array.from({ length: LEASE_MESSAGES }, (_, i) => `lease-${i}@${leaseDomain}`);
    const ids = await queue(addresses);
    // The first worker claims the whole batch; the second comes while it is still sending.
    const [first, second] = extraWorkers as [MailWorker, MailWorker];
    first.start();
    const deadline = Date.now() + 20_000;
    while ((await t.app.database.prisma.mailMessage.count({ where: { id: { in: ids }, status: { not: 'PENDING' } } })) < LEASE_MESSAGES) {
      if (Date.now() > deadline) throw new Error('the first worker did not claim the batch');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    second.start();
    await settle(ids, () => extraWorkers.forEach((w) => w.wake()), 120_000);
    for (const worker of extraWorkers) await worker.stop();

    const rows = await t.app.database.prisma.mailMessage.findMany({ where: { id: { in: ids } } });
    const copies = rows.map((r) => slow.received.get(messageId(r.id, t.app.config.publicUrl))?.length ?? 0);
    console.log(
      `slow server, two workers, 2 s claims: ${rows.length} queued, ${rows.filter((r) => r.status === 'SENT').length} SENT, ` +
        `${copies.reduce((a, b) => a + b, 0)} copies received`,
    );
    expect(rows.map((r) => r.status)).toEqual(Array(LEASE_MESSAGES).fill('SENT'));
    expect(copies).toEqual(Array(LEASE_MESSAGES).fill(1));
  });
});
