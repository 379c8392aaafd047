import type { MailMessage } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import type { Caller } from './caller.ts';
import { type Db, transaction } from './db.ts';
import { NotFoundError } from './errors.ts';
import { RESET_REQUEST } from './mail.ts';
import type { MailRow } from './mail-secret.ts';
import type { RenderedMail } from './mail-template.ts';
import { type Actor, policy } from './policy.ts';

/** How the server sends mail, as the dashboard tells its users before they send any. */
export interface MailDelivery {
  /** An SMTP server is configured (SMTP_URL): mail leaves the outbox. */
  configured: boolean;
  /** Messages held in the outbox for want of one; null for those who may not read the outbox. */
  held: number | null;
}

/** A message as its recipient reads it, and its outbox row without the sealed secret. */
export interface OpenedMail {
  message: Omit<MailMessage, 'secret'>;
  from: string;
  subject: string;
  text: string;
}

export interface MailReader {
  delivery(caller: Caller): Promise<MailDelivery>;
  /**
   * The rendered message, a queued one's generated password or reset code included: without SMTP this
   * is how credentials reach a customer. Vendor admins and the operator only; every opening is audited.
   */
  open(actor: Actor, id: string): Promise<OpenedMail>;
}

export function createMailReader(deps: {
  db: Db;
  /** Whether the server has an SMTP server to send through. */
  configured: boolean;
  /** The sender of every mail (MAIL_FROM). */
  from: string;
  /** The mail worker's rendering (mail-worker.ts): what it sends is what is shown. */
  render(row: MailRow): RenderedMail;
}): MailReader {
  const { db } = deps;
  return {
    async delivery(caller) {
      const vendor = caller.kind === 'staff' && caller.role === 'VENDOR_ADMIN';
      return { configured: deps.configured, held: vendor ? await db.mailMessage.count({ where: { status: 'HELD' } }) : null };
    },
    async open(actor, id) {
      const reader = policy.readMail(actor);
      return transaction(db, async (tx) => {
        const row = await tx.mailMessage.findUnique({ where: { id } });
        if (!row) throw new NotFoundError(`There is no message ${id}.`);
        // A reset request not yet looked up by the worker has no mail to show.
        const rendered =
          row.template === RESET_REQUEST
            ? { subject: '(password reset request: the mail worker looks the login up and writes its mail)', text: '' }
            : deps.render(row);
        await audit(tx, reader, 'mail.opened', `mail:${row.id}`, null, { to: row.to, template: row.template, status: row.status });
        const { secret: _sealed, ...message } = row;
        return { message, from: deps.from, subject: rendered.subject, text: rendered.text };
      });
    },
  };
}
