import type { Clock, Db } from '@slotkeeper/schema/services/db';
import type { MailData, MailTemplate } from '@slotkeeper/schema/services/mail';
import { type MailBranding, renderMail } from '@slotkeeper/schema/services/mail-template';
import type { Prisma } from '@slotkeeper/schema/generated/prisma/client';
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpUrl, {
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  } as never);
  return {
    send: async (mail) => void (await transporter.sendMail(mail)),
    close: () => transporter.close(),
  };
}

export interface MailWorker {
  start(): void;
  /** Runs one pass now (also called after every enqueue). */
  wake(): void;
  /** Sends (or holds) everything due; resolves when nothing due is left. For tests and shutdown. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

interface Claimed {
  id: string;
  to: string;
  template: string;
  data: Prisma.JsonValue;
  attempts: number;
}

const CLAIM_BATCH = 10;
const LEASE_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 3_600_000;

export function messageId(id: string): string {
  return `<${id}@slotkeeper>`;
}

/**
 * Delivers the outbox. Several workers (api instances) can run at once: a message is claimed with
 * FOR UPDATE SKIP LOCKED and leased for 5 minutes, so only one sends it; a worker that dies mid-send
 * leaves a lease that expires, and the message is tried again (the fixed Message-ID lets mail servers
 * drop that rare duplicate).
 */
export function createMailWorker(deps: {
  db: Db;
  clock: Clock;
  transport: MailTransport | null;
  brand: MailBranding;
  from: string;
  maxAttempts: number;
  retryBaseMs: number;
  pollMs?: number;
  log?: (line: string) => void;
}): MailWorker {
  const { db, clock, transport, brand } = deps;
  const log = deps.log ?? ((line: string) => console.log(line));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function claim(): Promise<Claimed[]> {
    const now = clock.now();
    const until = new Date(now.getTime() + LEASE_MS);
    return db.$queryRaw<Claimed[]>`
      UPDATE "MailMessage" SET "status" = 'SENDING', "lockedUntil" = ${until.toISOString()}::timestamp, "attempts" = "attempts" + 1
      WHERE "id" IN (
        SELECT "id" FROM "MailMessage"
        WHERE ("status" = 'PENDING' AND "nextAttemptAt" <= ${now.toISOString()}::timestamp)
           OR ("status" = 'SENDING' AND "lockedUntil" < ${now.toISOString()}::timestamp)
        ORDER BY "createdAt"
        LIMIT ${CLAIM_BATCH}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING "id", "to", "template", "data", "attempts"`;
  }

  async function deliver(message: Claimed) {
    const rendered = renderMail(message.template as MailTemplate, message.data as unknown as MailData[MailTemplate], brand);
    if (!transport) {
      await db.mailMessage.update({ where: { id: message.id }, data: { status: 'HELD', lockedUntil: null, attempts: 0 } });
      log(`mail held (no SMTP_URL): ${message.id} to ${message.to} "${rendered.subject}" — read it with: pnpm cli mail show ${message.id}`);
      return;
    }
    try {
      await transport.send({ from: deps.from, to: message.to, ...rendered, messageId: messageId(message.id) });
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
      log(`mail ${message.id} to ${message.to}: attempt ${message.attempts} failed (${lastError})${failed ? '; giving up' : ''}`);
      return;
    }
    // A sent message keeps no secret: the generated password is dropped from its data.
    const data = { ...(message.data as Record<string, unknown>) };
    if ('password' in data) data.password = '(sent)';
    await db.mailMessage.update({
      where: { id: message.id },
      data: { status: 'SENT', sentAt: clock.now(), lockedUntil: null, lastError: null, data: data as Prisma.InputJsonValue },
    });
  }

  async function pass() {
    for (;;) {
      const batch = await claim();
      for (const message of batch) await deliver(message);
      if (batch.length < CLAIM_BATCH) return;
    }
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await pass();
        } while (again && !stopped);
      } catch (error) {
        log(`mail worker pass failed: ${(error as Error).message}`);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    start() {
      stopped = false;
      // A server that now has an SMTP server sends what earlier runs held.
      const resume = transport
        ? db.mailMessage.updateMany({ where: { status: 'HELD' }, data: { status: 'PENDING', nextAttemptAt: clock.now() } })
        : Promise.resolve();
      void resume.then(() => run());
      timer = setInterval(() => void run(), deps.pollMs ?? 5_000);
      timer.unref();
    },
    wake() {
      if (!stopped) void run();
    },
    async drain() {
      await run();
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (running) await running;
      transport?.close();
    },
  };
}
