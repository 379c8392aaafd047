import { randomBytes } from 'node:crypto';
import type { Customer } from '../generated/prisma/client.ts';
import type { Caller } from './caller.ts';
import { type Clock, type Db, type Work, transaction } from './db.ts';
import { InvalidCredentialsError, PasswordsDoNotMatchError, ResetTokenInvalidError, WeakPasswordError } from './errors.ts';
import { normalizeEmail, sha256 } from './input.ts';
import type { Outbox } from './mail.ts';
import { type PasswordHasher, checkPasswordPolicy } from './password.ts';
import type { RateLimits } from './rate-limit.ts';
import type { SessionEvents } from './session-event.ts';

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
  logOut(sessionId: string): Promise<void>;
  /** Always resolves the same way, whether or not the e-mail is a customer's (no probing). */
  requestPasswordReset(email: string): Promise<void>;
  resetPassword(token: string, newPassword: string, newPasswordRepeat: string): Promise<void>;
  changePassword(input: ChangePasswordInput): Promise<void>;
  /** The mail worker's half of requestPasswordReset: when the e-mail is a customer's, its reset and mail. */
  fulfilResetRequest(work: Work, email: string): Promise<void>;
  /** Creates a reset code and queues its e-mail inside the caller's transaction (support's "send reset"). */
  startPasswordReset(work: Work, customer: { id: string; email: string }): Promise<void>;
}

const SESSION_PREFIX = 'sks_';
const RESET_PREFIX = 'skr_';

export function createAccountService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  limits: RateLimits;
  outbox: Outbox;
  sessionEvents: SessionEvents;
  sessionTtlHours: number;
  resetTtlMinutes: number;
}): AccountService {
  const { db, clock, hasher, limits, outbox, sessionEvents } = deps;

  async function authenticate(email: string, password: string) {
    const login = email.trim().toLowerCase().slice(0, 320);
    // Typed wide on purpose: it is set inside the check below.
    let customer = null as Customer | null;
    const ok = await limits.failedLogins.attempt(login, async () => {
      let valid: string | null = null;
      try {
        valid = normalizeEmail(email);
      } catch {
        // A malformed e-mail is just a wrong login: same answer, same time.
      }
      customer = valid ? await db.customer.findUnique({ where: { email: valid } }) : null;
      return customer ? hasher.verify(password, customer.passwordHash) : hasher.verifyNothing(password);
    });
    if (!ok || !customer) throw new InvalidCredentialsError();
    if (hasher.needsRehash(customer.passwordHash)) {
      // BCRYPT_COST changed since this hash was made: only now is the password at hand to re-hash it.
      // Guarded by the old hash, so a password changed meanwhile is not overwritten.
      const passwordHash = await hasher.hash(password);
      await db.customer.updateMany({ where: { id: customer.id, passwordHash: customer.passwordHash }, data: { passwordHash } });
    }
    return customer;
  }

  /** Sets a new password; every session that started before now stops working, offline tokens don't. */
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
      await tx.customer.update({ where: { id: customer.id }, data: { passwordHash, passwordChangedAt: now } });
      await tx.passwordReset.updateMany({ where: { customerId: customer.id, usedAt: null }, data: { usedAt: now } });
      await tx.session.deleteMany({ where: { customerId: customer.id } });
      await outbox.enqueue(work, customer.email, 'password-changed', { email: customer.email, at: now.toISOString() });
    });
    sessionEvents.sessionEnded({ kind: 'customer', accountId: customer.id });
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
    authenticate,

    async logIn(email, password) {
      const customer = await authenticate(email, password);
      const secret = SESSION_PREFIX + randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + deps.sessionTtlHours * 3_600_000);
      await db.session.create({ data: { customerId: customer.id, tokenHash: sha256(secret), expiresAt } });
      return { sessionToken: secret, expiresAt };
    },

    async callerFromSessionToken(token) {
      if (!token?.startsWith(SESSION_PREFIX) || token.length > 200) return { kind: 'anonymous' };
      // One statement (every authenticated request runs it): a password change or reset ends every
      // session that started before it.
      const [session] = await db.$queryRaw<{ id: string; customerId: string; expiresAt: Date }[]>`
        SELECT s."id", s."customerId", s."expiresAt" FROM "Session" s
        JOIN "Customer" c ON c."id" = s."customerId"
        WHERE s."tokenHash" = ${sha256(token)} AND s."createdAt" >= c."passwordChangedAt"`;
      if (!session || session.expiresAt <= clock.now()) return { kind: 'anonymous' };
      return { kind: 'customer', customerId: session.customerId, sessionId: session.id, sessionExpiresAt: session.expiresAt };
    },

    async logOut(sessionId) {
      await db.session.deleteMany({ where: { id: sessionId } });
      sessionEvents.sessionEnded({ kind: 'customer', sessionId });
    },

    async requestPasswordReset(email) {
      const login = normalizeEmail(email);
      await limits.passwordResets.consume(login);
      // The same single insert for every e-mail: looking the login up here took measurably longer for
      // a real one (enumeration by time). fulfilResetRequest does the rest after the answer.
      await transaction(db, (_, work) => outbox.enqueueResetRequest(work, login));
    },

    async fulfilResetRequest(work, email) {
      const customer = await work.tx.customer.findUnique({ where: { email }, select: { id: true, email: true } });
      if (customer) await startPasswordReset(work, customer);
    },

    startPasswordReset,

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
      const customer = await authenticate(email, input.currentPassword);
      if (input.newPassword === input.currentPassword) {
        throw new WeakPasswordError('The new password must differ from the current one.');
      }
      await setPassword(customer, input.newPassword);
    },
  };
}

