import { randomBytes } from 'node:crypto';
import type { Customer } from '../generated/prisma/client.ts';
import type { Caller } from './caller.ts';
import { type Clock, type Db, type EffectLog, type Work, transaction } from './db.ts';
import { PasswordsDoNotMatchError, ResetTokenInvalidError, WeakPasswordError } from './errors.ts';
import { normalizeEmail, sha256 } from './input.ts';
import type { Outbox } from './mail.ts';
import { type PasswordHasher, checkPasswordPolicy } from './password.ts';
import type { RateLimits } from './rate-limit.ts';
import type { LoginLockout, Sessions } from './session.ts';

export interface ChangePasswordInput {
  email: string;
  currentPassword: string;
  newPassword: string;
  newPasswordRepeat: string;
}

export interface AccountService {
  /**
   * Checks a login; unknown e-mail and wrong password take the same time and give the same error.
   * Failed checks count against the login's limit; past it, RATE_LIMITED before any password check.
   */
  authenticate(email: string, password: string): Promise<Customer>;
  logIn(email: string, password: string): Promise<{ sessionToken: string; expiresAt: Date }>;
  /** The caller behind a bearer token, or anonymous when it is missing, unknown or expired. */
  callerFromSessionToken(token: string | undefined): Promise<Caller>;
  /** Always resolves the same way, whether or not the e-mail is a customer's (no probing). */
  requestPasswordReset(email: string): Promise<void>;
  resetPassword(token: string, newPassword: string, newPasswordRepeat: string): Promise<void>;
  changePassword(input: ChangePasswordInput): Promise<void>;
  /** Staff see a customer's failed-login lock-out; null for anyone else. */
  loginLockout(caller: Caller, customer: { email: string }): Promise<LoginLockout | null>;
  /** The mail worker's half of requestPasswordReset: when the e-mail is a customer's, its reset and mail. */
  fulfilResetRequest(work: Work, email: string): Promise<void>;
  /** Creates a reset code and queues its e-mail inside the caller's transaction (support's "send reset"). */
  startPasswordReset(work: Work, customer: { id: string; email: string }): Promise<void>;
}

const RESET_PREFIX = 'skr_';

export function createAccountService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  limits: RateLimits;
  outbox: Outbox;
  sessions: Sessions<Customer>;
  resetTtlMinutes: number;
  logger?: EffectLog;
}): AccountService {
  const { db, clock, hasher, limits, outbox, sessions } = deps;

  /** Sets a new password; every session ends, offline tokens don't. */
  async function setPassword(customer: Customer, password: string, consumeReset?: string) {
    const passwordHash = await hasher.hash(password);
    const now = clock.now();
    await transaction(db, async (tx, work) => {
      if (consumeReset) {
        const used = await tx.passwordReset.updateMany({
          where: { tokenHash: consumeReset, usedAt: null, expiresAt: { gt: now } },
          data: { usedAt: now },
        });
        if (used.count !== 1) throw new ResetTokenInvalidError();
      }
      await sessions.changePassword(work, customer.id, passwordHash);
      await tx.passwordReset.updateMany({ where: { customerId: customer.id, usedAt: null }, data: { usedAt: now } });
      await outbox.enqueue(work, customer.email, 'password-changed', { email: customer.email, at: now.toISOString() });
    }, deps.logger);
  }

  async function startPasswordReset(work: Work, customer: { id: string; email: string }) {
    const token = RESET_PREFIX + randomBytes(24).toString('base64url');
    const expiresAt = new Date(clock.now().getTime() + deps.resetTtlMinutes * 60_000);
    await work.tx.passwordReset.create({ data: { customerId: customer.id, tokenHash: sha256(token), expiresAt } });
    await outbox.enqueue(work, customer.email, 'password-reset', { email: customer.email, token, expiresAt: expiresAt.toISOString() });
  }

  function checkNewPassword(newPassword: string, repeat: string, email: string) {
    if (newPassword !== repeat) throw new PasswordsDoNotMatchError();
    checkPasswordPolicy(newPassword, email);
  }

  return {
    authenticate: (email, password) => sessions.authenticate(email, password),

    async logIn(email, password) {
      const { token, expiresAt } = await sessions.start(await sessions.authenticate(email, password));
      return { sessionToken: token, expiresAt };
    },

    callerFromSessionToken: (token) => sessions.callerFromToken(token),

    async requestPasswordReset(email) {
      const login = normalizeEmail(email);
      await limits.passwordResets.consume(login);
      // The same single insert for every e-mail: looking the login up here took measurably longer for
      // a real one (enumeration by time). fulfilResetRequest does the rest after the answer.
      await transaction(db, (_, work) => outbox.enqueueResetRequest(work, login), deps.logger);
    },

    async fulfilResetRequest(work, email) {
      const customer = await work.tx.customer.findUnique({ where: { email }, select: { id: true, email: true } });
      if (customer) await startPasswordReset(work, customer);
    },

    startPasswordReset,

    loginLockout: async (caller, customer) => (caller.kind === 'staff' ? sessions.lockout(customer.email) : null),

    async resetPassword(token, newPassword, newPasswordRepeat) {
      if (newPassword !== newPasswordRepeat) throw new PasswordsDoNotMatchError();
      const clean = token.trim();
      if (!clean.startsWith(RESET_PREFIX) || clean.length > 100) throw new ResetTokenInvalidError();
      const reset = await db.passwordReset.findUnique({ where: { tokenHash: sha256(clean) }, include: { customer: true } });
      if (!reset || reset.usedAt || reset.expiresAt <= clock.now()) throw new ResetTokenInvalidError();
      checkPasswordPolicy(newPassword, reset.customer.email);
      if (await hasher.verify(newPassword, reset.customer.passwordHash)) {
        throw new WeakPasswordError('The new password must differ from the current one.');
      }
      await setPassword(reset.customer, newPassword, reset.tokenHash);
    },

    async changePassword(input) {
      const email = normalizeEmail(input.email);
      checkNewPassword(input.newPassword, input.newPasswordRepeat, email);
      const customer = await sessions.authenticate(email, input.currentPassword);
      if (input.newPassword === input.currentPassword) {
        throw new WeakPasswordError('The new password must differ from the current one.');
      }
      await setPassword(customer, input.newPassword);
    },
  };
}
