import { randomBytes } from 'node:crypto';
import { Prisma, type Customer, type StaffUser } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import type { Caller, Staff } from './caller.ts';
import { type Clock, type Db, type EffectLog, type Tx, type Work, transaction } from './db.ts';
import { InvalidCredentialsError } from './errors.ts';
import { normalizeEmail, sha256 } from './input.ts';
import type { PasswordHasher } from './password.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { SessionEnd, SessionEvents } from './session-event.ts';

/** Customers log in to the license manager (`sks_` sessions), staff to the dashboard (`sst_`). */
export type AccountKind = 'customer' | 'staff';

/** What the failed-login limit holds against a login right now. */
export interface LoginLockout {
  failedAttempts: number;
  /** Until when every password check of the login is refused; null when it is not locked. */
  lockedUntil: Date | null;
}

interface SessionRow {
  sessionId: string;
  sessionCreatedAt: Date;
  sessionExpiresAt: Date;
  id: string;
  passwordChangedAt: Date;
  disabledAt: Date | null;
}

/** How one kind of account is stored: the only part of log-in and sessions that differs by kind. */
interface AccountStore<A> {
  tokenPrefix: string;
  /** Failed-login counters of customers and staff with the same e-mail are kept apart. */
  limitKeyPrefix: string;
  /** The session table joined with its account table, for the one statement a bearer token costs. */
  sessionSql(tokenHash: string): Prisma.Sql;
  caller(row: SessionRow & Record<string, unknown>): Caller;
  find(db: Db, email: string): Promise<A | null>;
  /** Writes a new hash; with `onlyIfHash`, only while the stored hash is still that one. */
  writeHash(db: Db | Tx, id: string, passwordHash: string, options: { onlyIfHash?: string; changedAt?: Date }): Promise<void>;
  createSession(db: Db, accountId: string, tokenHash: string, expiresAt: Date): Promise<void>;
  deleteSessions(db: Db | Tx, where: { id: string } | { accountId: string; exceptId?: string }): Promise<void>;
  /** Restarts a session's clock, so it counts as started after the password change it made. */
  touchSession(tx: Tx, sessionId: string, at: Date): Promise<void>;
}

type LoginAccount = { id: string; passwordHash: string; disabledAt?: Date | null };

/** One kind of account's two tables, as far as the writes below use them. */
interface AccountTables<K extends string> {
  accounts(db: Db | Tx): {
    updateMany(args: { where: { id: string; passwordHash?: string }; data: { passwordHash: string; passwordChangedAt?: Date } }): PromiseLike<unknown>;
  };
  sessions(db: Db | Tx): {
    create(args: { data: Record<K, string> & { tokenHash: string; expiresAt: Date } }): PromiseLike<unknown>;
    deleteMany(args: { where: (Record<K, string> & { id?: { not: string } }) | { id: string } }): PromiseLike<unknown>;
    update(args: { where: { id: string }; data: { createdAt: Date } }): PromiseLike<unknown>;
  };
  /** The sessions' column that names their account. */
  accountColumn: K;
}

/** The store's writes, the same for both kinds but for the tables they go to. */
function accountWrites<K extends string>(tables: AccountTables<K>): Pick<AccountStore<never>, 'writeHash' | 'createSession' | 'deleteSessions' | 'touchSession'> {
  // A computed key widens to `string` in TypeScript; the object has exactly the column K.
  const owner = (accountId: string) => ({ [tables.accountColumn]: accountId }) as Record<K, string>;
  return {
    async writeHash(db, id, passwordHash, { onlyIfHash, changedAt }) {
      await tables.accounts(db).updateMany({
        where: { id, ...(onlyIfHash ? { passwordHash: onlyIfHash } : {}) },
        data: { passwordHash, ...(changedAt ? { passwordChangedAt: changedAt } : {}) },
      });
    },
    async createSession(db, accountId, tokenHash, expiresAt) {
      await tables.sessions(db).create({ data: { ...owner(accountId), tokenHash, expiresAt } });
    },
    async deleteSessions(db, where) {
      await tables.sessions(db).deleteMany({
        where: 'accountId' in where ? { ...owner(where.accountId), ...(where.exceptId ? { id: { not: where.exceptId } } : {}) } : { id: where.id },
      });
    },
    async touchSession(tx, id, at) {
      await tables.sessions(tx).update({ where: { id }, data: { createdAt: at } });
    },
  };
}

const customerStore: AccountStore<Customer> = {
  tokenPrefix: 'sks_',
  limitKeyPrefix: '',
  sessionSql: (tokenHash) => Prisma.sql`
    SELECT s."id" AS "sessionId", s."createdAt" AS "sessionCreatedAt", s."expiresAt" AS "sessionExpiresAt",
           a."id", a."passwordChangedAt", NULL::timestamp AS "disabledAt"
    FROM "Session" s JOIN "Customer" a ON a."id" = s."customerId"
    WHERE s."tokenHash" = ${tokenHash}`,
  caller: (row) => ({ kind: 'customer', customerId: row.id, sessionId: row.sessionId, sessionExpiresAt: row.sessionExpiresAt }),
  find: (db, email) => db.customer.findUnique({ where: { email } }),
  ...accountWrites({ accounts: (db) => db.customer, sessions: (db) => db.session, accountColumn: 'customerId' }),
};

const staffStore: AccountStore<StaffUser> = {
  tokenPrefix: 'sst_',
  limitKeyPrefix: 'staff:',
  sessionSql: (tokenHash) => Prisma.sql`
    SELECT s."id" AS "sessionId", s."createdAt" AS "sessionCreatedAt", s."expiresAt" AS "sessionExpiresAt",
           a."id", a."passwordChangedAt", a."disabledAt", a."email", a."role"::text AS "role", a."resellerId"
    FROM "StaffSession" s JOIN "StaffUser" a ON a."id" = s."staffUserId"
    WHERE s."tokenHash" = ${tokenHash}`,
  caller: (row) => ({
    kind: 'staff',
    staffId: row.id,
    email: row.email as string,
    role: row.role as StaffUser['role'],
    resellerId: row.resellerId as string | null,
    sessionId: row.sessionId,
    sessionExpiresAt: row.sessionExpiresAt,
  }),
  find: (db, email) => db.staffUser.findUnique({ where: { email } }),
  ...accountWrites({ accounts: (db) => db.staffUser, sessions: (db) => db.staffSession, accountColumn: 'staffUserId' }),
};

/** Log-in, sessions and their end for one kind of account; the rules are the same for both kinds. */
export interface Sessions<A> {
  readonly kind: AccountKind;
  isToken(token: string): boolean;
  /**
   * Checks a login through the bounded password-check queue; unknown e-mail, wrong password and a
   * disabled account take the same time and give the same error. Failed checks count against the
   * login's limit; past it, RATE_LIMITED before any password check. A hash made at another
   * BCRYPT_COST is re-hashed, since only now is the password at hand.
   */
  authenticate(email: string, password: string): Promise<A>;
  /** A new session of the account: its bearer token (shown once) and expiry. */
  start(account: { id: string }): Promise<{ token: string; expiresAt: Date }>;
  /** The caller behind a bearer token, or anonymous when it is malformed, unknown, expired or predates a password change. */
  callerFromToken(token: string | undefined): Promise<Caller>;
  /** Log-out: this session ends, and so do the subscriptions opened with it. */
  end(sessionId: string): Promise<void>;
  /**
   * Inside the caller's transaction: stores the new password hash, and every session of the account
   * but `keepSessionId` ends; once it commits, every api instance ends those sessions' subscriptions.
   */
  changePassword(work: Work, accountId: string, passwordHash: string, keepSessionId?: string): Promise<void>;
  /** Inside the caller's transaction: every session of the account ends (e.g. staff disabled), announced after commit. */
  endAll(work: Work, accountId: string): Promise<void>;
  lockout(email: string): Promise<LoginLockout>;
  /** Support's "clear lock-out": forgets the account's failed log-ins and audits who did it. */
  clearLockout(by: Staff, account: { id: string; email: string }, tenant: string | null): Promise<void>;
}

export interface SessionDeps {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  limits: { failedLogins: RateLimiter };
  sessionEvents: SessionEvents;
  sessionTtlHours: number;
  logger?: EffectLog;
}

function createSessions<A extends LoginAccount>(kind: AccountKind, store: AccountStore<A>, deps: SessionDeps): Sessions<A> {
  const { db, clock, hasher, limits, sessionEvents } = deps;
  const limitKey = (email: string) => store.limitKeyPrefix + email.trim().toLowerCase().slice(0, 320);

  return {
    kind,
    isToken: (token) => token.startsWith(store.tokenPrefix),

    async authenticate(email, password) {
      // Typed wide on purpose: it is set inside the check below.
      let account = null as A | null;
      const ok = await limits.failedLogins.attempt(limitKey(email), async () => {
        let valid: string | null = null;
        try {
          valid = normalizeEmail(email);
        } catch {
          // A malformed e-mail is just a wrong login: same answer, same time.
        }
        account = valid ? await store.find(db, valid) : null;
        const matches = account ? await hasher.verify(password, account.passwordHash) : await hasher.verifyNothing(password);
        return matches && !account?.disabledAt;
      });
      if (!ok || !account) throw new InvalidCredentialsError();
      const found: A = account;
      if (hasher.needsRehash(found.passwordHash)) {
        // Guarded by the old hash, so a password changed meanwhile is not overwritten.
        await store.writeHash(db, found.id, await hasher.hash(password), { onlyIfHash: found.passwordHash });
      }
      return found;
    },

    async start(account) {
      const token = store.tokenPrefix + randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + deps.sessionTtlHours * 3_600_000);
      await store.createSession(db, account.id, sha256(token), expiresAt);
      return { token, expiresAt };
    },

    async callerFromToken(token) {
      if (!token?.startsWith(store.tokenPrefix) || token.length > 200) return { kind: 'anonymous' };
      // One statement: every authenticated request runs it.
      const [row] = await db.$queryRaw<(SessionRow & Record<string, unknown>)[]>(store.sessionSql(sha256(token)));
      // A password change or reset ends every session that started before it.
      if (!row || row.disabledAt || row.sessionExpiresAt <= clock.now() || row.sessionCreatedAt < row.passwordChangedAt) {
        return { kind: 'anonymous' };
      }
      return store.caller(row);
    },

    async end(sessionId) {
      await store.deleteSessions(db, { id: sessionId });
      sessionEvents.sessionEnded({ kind, sessionId });
    },

    async changePassword(work, accountId, passwordHash, keepSessionId) {
      const now = clock.now();
      await store.writeHash(work.tx, accountId, passwordHash, { changedAt: now });
      await store.deleteSessions(work.tx, { accountId, exceptId: keepSessionId });
      // The session kept is the person who just proved the password: it counts as started now.
      if (keepSessionId) await store.touchSession(work.tx, keepSessionId, now);
      const end: SessionEnd = keepSessionId ? { kind, accountId, exceptSessionId: keepSessionId } : { kind, accountId };
      work.afterCommit(() => sessionEvents.sessionEnded(end));
    },

    async endAll(work, accountId) {
      await store.deleteSessions(work.tx, { accountId });
      work.afterCommit(() => sessionEvents.sessionEnded({ kind, accountId }));
    },

    async lockout(email) {
      const { used, refusedUntil } = await limits.failedLogins.status(limitKey(email));
      return { failedAttempts: used, lockedUntil: refusedUntil };
    },

    async clearLockout(by, account, tenant) {
      const before = await this.lockout(account.email);
      await transaction(db, async (tx) => {
        await audit(tx, by, `${kind}.login_lockout_cleared`, `${kind}:${account.id}`, tenant, {
          before,
          after: { failedAttempts: 0, lockedUntil: null },
        });
        // Inside the transaction: when the counter can't be reset, no audit event claims it was.
        await limits.failedLogins.reset(limitKey(account.email));
      }, deps.logger);
    },
  };
}

export function createCustomerSessions(deps: SessionDeps): Sessions<Customer> {
  return createSessions('customer', customerStore, deps);
}

export function createStaffSessions(deps: SessionDeps): Sessions<StaffUser> {
  return createSessions('staff', staffStore, deps);
}
