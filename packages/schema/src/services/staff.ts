import { randomBytes } from 'node:crypto';
import type { StaffUser } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Caller, type Staff, type StaffRole, requireStaff, requireVendor, scope } from './caller.ts';
import { type Clock, type Db, transaction } from './db.ts';
import { ForbiddenError, InvalidCredentialsError, InvalidInputError, NotFoundError, PasswordsDoNotMatchError, WeakPasswordError } from './errors.ts';
import { normalizeEmail, requireText, sha256 } from './input.ts';
import { type PasswordHasher, checkPasswordPolicy, generatePassword } from './password.ts';
import type { RateLimits } from './rate-limit.ts';
import type { SessionEvents } from './session-event.ts';

const SESSION_PREFIX = 'sst_';

export interface CreateStaffInput {
  email: string;
  role: StaffRole;
  /** A reseller admin's reseller, by name; created when new (only the operator and vendor admins create resellers). */
  reseller?: string | null;
  /** Generated (and returned) when not given. */
  password?: string | null;
}

export interface StaffService {
  logIn(email: string, password: string): Promise<{ token: string; expiresAt: Date; staff: StaffUser }>;
  callerFromSessionToken(token: string): Promise<Caller>;
  logOut(caller: Caller): Promise<void>;
  changePassword(caller: Caller, currentPassword: string, newPassword: string, newPasswordRepeat: string): Promise<void>;
  /** `actor` 'operator' is the CLI (and the first admin from ADMIN_EMAIL); staff callers are vendor admins. */
  create(actor: Caller | 'operator', input: CreateStaffInput): Promise<{ staff: StaffUser; password: string | null }>;
  disable(caller: Caller, staffId: string): Promise<StaffUser>;
  /** Creates the first vendor admin from configuration when there is none yet. */
  ensureFirstAdmin(email: string, password: string): Promise<StaffUser | null>;
  isStaffToken(token: string): boolean;
}

export function createStaffService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  limits: RateLimits;
  sessionEvents: SessionEvents;
  sessionTtlHours: number;
}): StaffService {
  const { db, clock, hasher, limits, sessionEvents } = deps;

  async function authenticate(email: string, password: string): Promise<StaffUser> {
    const key = `staff:${email.trim().toLowerCase().slice(0, 320)}`;
    // Typed wide on purpose: it is set inside the check below.
    let staff = null as StaffUser | null;
    const ok = await limits.failedLogins.attempt(key, async () => {
      let valid: string | null = null;
      try {
        valid = normalizeEmail(email);
      } catch {
        // A malformed e-mail is a wrong login: same answer, same time.
      }
      staff = valid ? await db.staffUser.findUnique({ where: { email: valid } }) : null;
      const matches = staff ? await hasher.verify(password, staff.passwordHash) : await hasher.verifyNothing(password);
      return matches && !staff?.disabledAt;
    });
    if (!ok || !staff) throw new InvalidCredentialsError();
    if (hasher.needsRehash(staff.passwordHash)) {
      // BCRYPT_COST changed since this hash was made; guarded by the old hash against a concurrent change.
      const passwordHash = await hasher.hash(password);
      await db.staffUser.updateMany({ where: { id: staff.id, passwordHash: staff.passwordHash }, data: { passwordHash } });
    }
    return staff;
  }

  return {
    isStaffToken: (token) => token.startsWith(SESSION_PREFIX),

    async logIn(email, password) {
      const staff = await authenticate(email, password);
      const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + deps.sessionTtlHours * 3_600_000);
      await db.staffSession.create({ data: { staffUserId: staff.id, tokenHash: sha256(token), expiresAt } });
      return { token, expiresAt, staff };
    },

    async callerFromSessionToken(token) {
      if (!token.startsWith(SESSION_PREFIX) || token.length > 200) return { kind: 'anonymous' };
      const session = await db.staffSession.findUnique({ where: { tokenHash: sha256(token) }, include: { staffUser: true } });
      const staff = session?.staffUser;
      if (!session || !staff || staff.disabledAt || session.expiresAt <= clock.now() || session.createdAt < staff.passwordChangedAt) {
        return { kind: 'anonymous' };
      }
      return { kind: 'staff', staffId: staff.id, email: staff.email, role: staff.role, resellerId: staff.resellerId, sessionId: session.id, sessionExpiresAt: session.expiresAt };
    },

    async logOut(caller) {
      const staff = requireStaff(caller);
      await db.staffSession.deleteMany({ where: { id: staff.sessionId } });
      sessionEvents.sessionEnded({ kind: 'staff', sessionId: staff.sessionId });
    },

    async changePassword(caller, currentPassword, newPassword, newPasswordRepeat) {
      const me = requireStaff(caller);
      if (newPassword !== newPasswordRepeat) throw new PasswordsDoNotMatchError();
      checkPasswordPolicy(newPassword, me.email);
      const staff = await authenticate(me.email, currentPassword);
      if (newPassword === currentPassword) throw new WeakPasswordError('The new password must differ from the current one.');
      const passwordHash = await hasher.hash(newPassword);
      await transaction(db, async (tx) => {
        const now = clock.now();
        await tx.staffUser.update({ where: { id: staff.id }, data: { passwordHash, passwordChangedAt: now } });
        // Other sessions end; this one continues (it is the person who just proved the password).
        await tx.staffSession.deleteMany({ where: { staffUserId: staff.id, id: { not: me.sessionId } } });
        await tx.staffSession.update({ where: { id: me.sessionId }, data: { createdAt: now } });
        await audit(tx, me, 'staff.password_changed', `staff:${staff.id}`, staff.resellerId, {});
      });
      sessionEvents.sessionEnded({ kind: 'staff', accountId: staff.id, exceptSessionId: me.sessionId });
    },

    async create(actor, input) {
      const by: Staff | 'operator' = actor === 'operator' ? 'operator' : requireVendor(actor);
      const email = normalizeEmail(input.email);
      if (input.role !== 'VENDOR_ADMIN' && input.role !== 'RESELLER_ADMIN') {
        throw new InvalidInputError('role', 'The role is VENDOR_ADMIN or RESELLER_ADMIN.');
      }
      if (input.role === 'RESELLER_ADMIN' && !input.reseller) {
        throw new InvalidInputError('reseller', 'A reseller admin needs a reseller.');
      }
      if (input.role === 'VENDOR_ADMIN' && input.reseller) {
        throw new InvalidInputError('reseller', 'A vendor admin belongs to no reseller.');
      }
      const generated = input.password ? null : generatePassword();
      const password = input.password ?? generated!;
      checkPasswordPolicy(password, email);
      const passwordHash = await hasher.hash(password);
      const staff = await transaction(db, async (tx) => {
        if (await tx.staffUser.findUnique({ where: { email } })) {
          throw new InvalidInputError('email', `A staff member ${email} already exists.`);
        }
        const resellerName = input.reseller ? requireText(input.reseller, 'reseller', 100) : null;
        const reseller = resellerName
          ? await tx.reseller.upsert({ where: { name: resellerName }, create: { name: resellerName }, update: {} })
          : null;
        const created = await tx.staffUser.create({ data: { email, passwordHash, role: input.role, resellerId: reseller?.id } });
        await audit(tx, by, 'staff.created', `staff:${created.id}`, reseller?.id ?? null, {
          after: { email, role: input.role, reseller: resellerName },
        });
        return created;
      });
      return { staff, password: generated };
    },

    async disable(caller, staffId) {
      const me = requireStaff(caller);
      const target = await db.staffUser.findFirst({ where: { id: staffId, ...scope.staffUsers(me) } });
      if (!target) throw new NotFoundError('There is no such staff member.');
      if (me.role !== 'VENDOR_ADMIN') throw new ForbiddenError('Only vendor admins may disable staff.');
      if (target.id === me.staffId) throw new ForbiddenError('You cannot disable yourself.');
      const disabled = await transaction(db, async (tx) => {
        const updated = await tx.staffUser.update({ where: { id: staffId }, data: { disabledAt: target.disabledAt ?? clock.now() } });
        await tx.staffSession.deleteMany({ where: { staffUserId: staffId } });
        await audit(tx, me, 'staff.disabled', `staff:${staffId}`, target.resellerId, { before: { disabledAt: target.disabledAt }, after: { disabledAt: updated.disabledAt } });
        return updated;
      });
      sessionEvents.sessionEnded({ kind: 'staff', accountId: staffId });
      return disabled;
    },

    async ensureFirstAdmin(email, password) {
      if ((await db.staffUser.count({ where: { role: 'VENDOR_ADMIN' } })) > 0) return null;
      const { staff } = await this.create('operator', { email, role: 'VENDOR_ADMIN', password });
      return staff;
    },
  };
}
