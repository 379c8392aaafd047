import type { Prisma } from '../generated/prisma/client.ts';
import type { Work } from './db.ts';

export type MailTemplate = 'credentials' | 'license-issued' | 'password-reset' | 'password-changed' | 'webhook-disabled';

/** The outbox row of a reset request (Outbox.enqueueResetRequest): no mail of its own, never sent. */
export const RESET_REQUEST = 'password-reset-request';

export interface MailData {
  credentials: { email: string; password: string; productName: string; productCode: string; seats: number; expiresAt: string };
  'license-issued': { email: string; productName: string; productCode: string; seats: number; expiresAt: string };
  'password-reset': { email: string; token: string; expiresAt: string };
  'password-changed': { email: string; at: string };
  'webhook-disabled': { url: string; endpointId: string; failingSince: string };
}

/**
 * Every e-mail is written to the outbox in the transaction of the change that causes it, so a message
 * exists exactly when its change committed; a worker sends it afterwards (packages/api/src/mail-worker.ts),
 * woken once the transaction has committed.
 */
export interface Outbox {
  enqueue<T extends MailTemplate>(work: Work, to: string, template: T, data: MailData[T]): Promise<void>;
  /**
   * Queues a password reset request, not yet a mail: the worker looks the login up after the answer
   * and then writes the reset and its mail, so a request takes the same time for every e-mail.
   */
  enqueueResetRequest(work: Work, email: string): Promise<void>;
}

export function createOutbox(onEnqueued: () => void = () => {}): Outbox {
  async function write(work: Work, to: string, template: string, data: Prisma.InputJsonObject) {
    await work.tx.mailMessage.create({ data: { to, template, data } });
    work.afterCommit(onEnqueued);
  }
  return {
    enqueue: (work, to, template, data) => write(work, to, template, { ...data }),
    enqueueResetRequest: (work, email) => write(work, email, RESET_REQUEST, { email }),
  };
}
