import { type Clock, type Db, type Work, transaction } from '@slotkeeper/schema/services/db';
import { type MailData, type MailTemplate, RESET_REQUEST } from '@slotkeeper/schema/services/mail';
import type { MailRow, MailSecrets } from '@slotkeeper/schema/services/mail-secret';
import { type MailBranding, type RenderedMail, renderMail } from '@slotkeeper/schema/services/mail-template';
import type { Prisma } from '@slotkeeper/schema/generated/prisma/client';
import type { Transporter } from 'nodemailer';
import { type Leased, claimDue, unclaim } from './outbox-claim.ts';
import { passLoop } from './worker-loop.ts';
import type { Logger } from './logger.ts';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  replyTo?: string;
  headers: Record<string, string>;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** `name`: what the server calls itself in EHLO/HELO (SMTP_NAME); receivers score a bare address literal as suspect. */
export function smtpTransport(smtpUrl: string, name: string): MailTransport {
  // nodemailer loads with the first message, not at start: an idle server holds none of it.
  let transporter: Promise<Transporter> | undefined;
  const ready = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) =>
      // The options go beside `url` in one object: as a second argument nodemailer takes them as message
      // defaults and ignores them as transport settings.
      nodemailer.createTransport({
        url: smtpUrl,
        name,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 30_000,
      }),
    ));
  return {
    send: async (mail) => void (await (await ready()).sendMail(mail)),
    close: () => void transporter?.then((t) => t.close()),
  };
}

export interface MailWorker {
  start(): void;
  /** Runs one pass now (also called after every enqueue). */
  wake(): void;
  /** Sends (or holds) everything due; resolves when nothing due is left. For tests and shutdown. */
  drain(): Promise<void>;
  /** Finishes the send in progress, hands the rest of its batch back to the outbox, and stops. */
  stop(): Promise<void>;
  /** A message as it is (or was) sent, for operators (`pnpm cli mail show`); a sent one's secrets are gone. */
  render(message: MailRow): RenderedMail & { from: string; replyTo: string | null };
}

type Claimed = Leased<{
  id: string;
  to: string;
  template: string;
  data: Prisma.JsonValue;
  secret: string | null;
  attempts: number;
}>;

const CLAIM_BATCH = 10;
const LEASE_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 3_600_000;

/** The outbox id at the server's own host (PUBLIC_URL): a domain it answers for, as RFC 5322 asks. */
export function messageId(id: string, publicUrl: string): string {
  return `<${id}@${new URL(publicUrl).hostname}>`;
}

/** Every mail is sent by the server on its own (RFC 3834): vacation responders and ticket systems don't answer it. */
const HEADERS = { 'Auto-Submitted': 'auto-generated' };

/**
 * Delivers the outbox. Several workers (api instances) can run at once: a message is claimed with
 * FOR UPDATE SKIP LOCKED and leased for 5 minutes (renewed just before its send), so only one sends
 * it; a worker that dies mid-send leaves a lease that expires, and the message is tried again (the
 * fixed Message-ID lets mail servers drop that rare duplicate).
 */
export function createMailWorker(deps: {
  db: Db;
  clock: Clock;
  transport: MailTransport | null;
  brand: MailBranding;
  from: string;
  secrets: MailSecrets;
  maxAttempts: number;
  retryBaseMs: number;
  pollMs?: number;
  /** How long a claim holds a message (5 minutes); shorter in tests. */
  leaseMs?: number;
  logger: Logger;
  onSendFailed(): void;
  /** Turns a queued reset request into its reset and mail when the e-mail is a customer's (AccountService). */
  fulfilResetRequest(work: Work, email: string): Promise<void>;
}): MailWorker {
  const { db, clock, transport, brand, secrets, logger } = deps;
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const loop = passLoop(() => pass(), () => stopped, (error) => logger.error({ err: error }, 'mail worker pass failed'));
  let stopped = false;

  const claim = () =>
    claimDue<Omit<Claimed, 'lease'>>(db, clock, leaseMs, CLAIM_BATCH, {
      table: 'MailMessage',
      order: 'createdAt',
      returning: ['id', 'to', 'template', 'data', 'secret', 'attempts'],
    });

  /** A reset request is no mail: in one transaction its row goes and, for a real login, the reset mail comes. */
  async function fulfilResetRequest(message: Claimed) {
    await transaction(db, async (tx, work) => {
      const mine = await tx.mailMessage.deleteMany({ where: { id: message.id, status: 'SENDING', lockedUntil: message.lease } });
      if (mine.count === 1) await deps.fulfilResetRequest(work, (message.data as { email: string }).email);
    });
    // The reset mail it may have written is due now, after this pass's claim.
    loop.again();
  }

  async function deliver(message: Claimed) {
    if (message.template === RESET_REQUEST) return fulfilResetRequest(message);
    const rendered = render(message);
    if (!transport) {
      await db.mailMessage.update({ where: { id: message.id }, data: { status: 'HELD', lockedUntil: null, attempts: 0 } });
      logger.info(
        { mailId: message.id, to: message.to, subject: rendered.subject },
        `mail held (no SMTP_URL): read it with: pnpm cli mail show ${message.id}`,
      );
      return;
    }
    // One lease covers a whole batch: without renewing it here, a slow SMTP server could let it run out
    // for the messages still waiting, and another worker would claim and send them too. A lease already
    // taken over means the message is no longer this worker's.
    const renewed = await db.mailMessage.updateMany({
      where: { id: message.id, status: 'SENDING', lockedUntil: message.lease },
      data: { lockedUntil: new Date(clock.now().getTime() + leaseMs) },
    });
    if (renewed.count === 0) return;
    try {
      await transport.send({
        from: deps.from,
        ...(brand.replyTo ? { replyTo: brand.replyTo } : {}),
        to: message.to,
        ...rendered,
        messageId: messageId(message.id, brand.publicUrl),
        headers: HEADERS,
      });
    } catch (error) {
      const lastError = (error as Error).message.slice(0, 1000);
      // A 5xx answer is permanent (no such mailbox, refused): retrying can't help.
      const code = (error as { responseCode?: number }).responseCode;
      const permanent = code !== undefined && code >= 500 && code < 600;
      const failed = permanent || message.attempts >= deps.maxAttempts;
      const delay = Math.min(MAX_BACKOFF_MS, deps.retryBaseMs * 2 ** (message.attempts - 1));
      await db.mailMessage.update({
        where: { id: message.id },
        data: {
          status: failed ? 'FAILED' : 'PENDING',
          lockedUntil: null,
          lastError,
          nextAttemptAt: new Date(clock.now().getTime() + delay),
        },
      });
      deps.onSendFailed();
      logger.warn({ mailId: message.id, to: message.to, attempt: message.attempts, error: lastError, gaveUp: failed }, 'mail delivery failed');
      return;
    }
    // A sent message keeps no secret: what reached the mailbox is all that can use it.
    await db.mailMessage.update({
      where: { id: message.id },
      data: {
        status: 'SENT',
        sentAt: clock.now(),
        lockedUntil: null,
        lastError: null,
        data: secrets.scrub(message.template, message.data),
        secret: null,
      },
    });
  }

  function render(message: MailRow): RenderedMail {
    return renderMail(message.template as MailTemplate, secrets.open(message) as unknown as MailData[MailTemplate], brand);
  }

  /** Rows queued before secrets were sealed carry them in plain `data`: sealed now, so no queued secret stays readable. */
  async function sealPlainSecrets() {
    const rows = await db.mailMessage.findMany({ where: { secret: null, status: { not: 'SENT' }, template: { not: RESET_REQUEST } } });
    for (const row of rows) {
      const sealed = secrets.seal(row.id, row.template, row.data as object);
      if (sealed.secret) {
        await db.mailMessage.updateMany({ where: { id: row.id, secret: null }, data: { data: sealed.data, secret: sealed.secret } });
      }
    }
  }

  async function pass() {
    for (;;) {
      const batch = await claim();
      for (const [i, message] of batch.entries()) {
        if (stopped) {
          // Not tried because the worker is stopping: due again at once, not after the lease.
          await db.mailMessage.updateMany(unclaim(batch.slice(i)));
          return;
        }
        await deliver(message);
      }
      if (batch.length < CLAIM_BATCH || stopped) return;
    }
  }


  return {
    start() {
      stopped = false;
      // A server that now has an SMTP server sends what earlier runs held.
      const resume = sealPlainSecrets().then(() =>
        transport ? db.mailMessage.updateMany({ where: { status: 'HELD' }, data: { status: 'PENDING', nextAttemptAt: clock.now() } }) : null,
      );
      void resume.then(
        () => loop.run(),
        (error: unknown) => logger.error({ err: error }, 'mail worker could not prepare the outbox'),
      );
      loop.every(deps.pollMs ?? 5_000);
    },
    wake() {
      if (!stopped) void loop.run();
    },
    drain: () => loop.drain(),
    async stop() {
      stopped = true;
      await loop.halt();
      transport?.close();
    },
    render: (message) => ({ ...render(message), from: deps.from, replyTo: brand.replyTo }),
  };
}
