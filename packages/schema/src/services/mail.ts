import { randomUUID } from 'node:crypto';
import type { Work } from './db.ts';
import type { MailSecrets } from './mail-secret.ts';

export type MailTemplate = 'credentials' | 'license-issued' | 'password-reset' | 'password-changed' | 'email-changed' | 'webhook-disabled';

/** The outbox row of a reset request (Outbox.enqueueResetRequest): no mail of its own, never sent. */
export const RESET_REQUEST = 'password-reset-request';

export interface MailData {
  credentials: { email: string; password: string; productName: string; productCode: string; seats: number; expiresAt: string };
  'license-issued': { email: string; productName: string; productCode: string; seats: number; expiresAt: string };
  'password-reset': { email: string; token: string; expiresAt: string };
  'password-changed': { email: string; at: string };
  /** Sent to the old address: the login moved away from it. */
  'email-changed': { oldEmail: string; newEmail: string; at: string };
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

export function createOutbox(secrets: MailSecrets, onEnqueued: () => void = () => {}): Outbox {
  return {
    async enqueue(work, to, template, data) {
      // The id is chosen here: the sealed secret is bound to its row.
      const id = randomUUID();
      await work.tx.mailMessage.create({ data: { id, to, template, ...secrets.seal(id, template, data) } });
      work.afterCommit(onEnqueued);
    },
    async enqueueResetRequest(work, email) {
      await work.tx.mailMessage.create({ data: { to: email, template: RESET_REQUEST, data: { email } } });
      work.afterCommit(onEnqueued);
    },
  };
}
