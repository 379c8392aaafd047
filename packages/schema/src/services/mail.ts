import type { Tx } from './db.ts';

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
 * exists exactly when its change committed; a worker sends it afterwards (packages/api/src/mail-worker.ts).
 */
export interface Outbox {
  enqueue<T extends MailTemplate>(tx: Tx, to: string, template: T, data: MailData[T]): Promise<void>;
  /**
   * Queues a password reset request, not yet a mail: the worker looks the login up after the answer
   * and then writes the reset and its mail, so a request takes the same time for every e-mail.
   */
  enqueueResetRequest(tx: Tx, email: string): Promise<void>;
  /** Wakes the worker after the transaction committed. */
  notify(): void;
}

export function createOutbox(onEnqueued: () => void = () => {}): Outbox {
  return {
    async enqueue(tx, to, template, data) {
      await tx.mailMessage.create({ data: { to, template, data } });
    },
    async enqueueResetRequest(tx, email) {
      await tx.mailMessage.create({ data: { to: email, template: RESET_REQUEST, data: { email } } });
    },
    notify: onEnqueued,
  };
}
