import { randomBytes } from 'node:crypto';
import type { Customer } from '../generated/prisma/client.ts';
import type { Clock, Db } from './db.ts';
import { InvalidCredentialsError } from './errors.ts';
import { normalizeEmail, sha256 } from './input.ts';
import type { PasswordHasher } from './password.ts';

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'customer'; customerId: string; sessionId: string };

export interface AccountService {
  /** Checks a login; unknown e-mail and wrong password take the same time and give the same error. */
  authenticate(email: string, password: string): Promise<Customer>;
  logIn(email: string, password: string): Promise<{ sessionToken: string; expiresAt: Date }>;
  /** The caller behind a bearer token, or anonymous when it is missing, unknown or expired. */
  callerFromSessionToken(token: string | undefined): Promise<Caller>;
  logOut(sessionId: string): Promise<void>;
}

const SESSION_PREFIX = 'sks_';

export function createAccountService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  sessionTtlHours: number;
}): AccountService {
  const { db, clock, hasher } = deps;

  async function authenticate(email: string, password: string) {
    let login: string;
    try {
      login = normalizeEmail(email);
    } catch {
      await hasher.verifyNothing(password);
      throw new InvalidCredentialsError();
    }
    const customer = await db.customer.findUnique({ where: { email: login } });
    const ok = customer ? await hasher.verify(password, customer.passwordHash) : await hasher.verifyNothing(password);
    if (!customer || !ok) throw new InvalidCredentialsError();
    return customer;
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
      const session = await db.session.findUnique({
        where: { tokenHash: sha256(token) },
        include: { customer: { select: { passwordChangedAt: true } } },
      });
      // A password change or reset ends every session that started before it.
      if (!session || session.expiresAt <= clock.now() || session.createdAt < session.customer.passwordChangedAt) {
        return { kind: 'anonymous' };
      }
      return { kind: 'customer', customerId: session.customerId, sessionId: session.id };
    },

    async logOut(sessionId) {
      await db.session.deleteMany({ where: { id: sessionId } });
    },
  };
}
