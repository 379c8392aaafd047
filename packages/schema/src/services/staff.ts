import type { StaffUser } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Caller, type StaffRole, requireStaff, scope } from './caller.ts';
import { type Actor, policy } from './policy.ts';
import { type Clock, type Db, transaction } from './db.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, PasswordsDoNotMatchError, WeakPasswordError } from './errors.ts';
import { normalizeEmail } from './input.ts';
import { findOrCreateReseller } from './reseller.ts';
import { type PasswordHasher, checkPasswordPolicy, generatePassword } from './password.ts';
import type { LoginLockout, Sessions } from './session.ts';

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
  create(actor: Actor, input: CreateStaffInput): Promise<{ staff: StaffUser; password: string | null }>;
  disable(caller: Caller, staffId: string): Promise<StaffUser>;
  /** Vendor admins see a staff member's failed-login lock-out; null for anyone else. */
  loginLockout(caller: Caller, staff: { email: string }): Promise<LoginLockout | null>;
  /** Vendor admins clear a staff member's lock-out; audited. */
  clearLoginLockout(caller: Caller, staffId: string): Promise<StaffUser>;
  /** Creates the first vendor admin from configuration when there is none yet. */
  ensureFirstAdmin(email: string, password: string): Promise<StaffUser | null>;
  isStaffToken(token: string): boolean;
}

export function createStaffService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  sessions: Sessions<StaffUser>;
}): StaffService {
  const { db, clock, hasher, sessions } = deps;

  return {
    isStaffToken: (token) => sessions.isToken(token),

    async logIn(email, password) {
      const staff = await sessions.authenticate(email, password);
      return { ...(await sessions.start(staff)), staff };
    },

    callerFromSessionToken: (token) => sessions.callerFromToken(token),

    async logOut(caller) {
      await sessions.end(policy.ownStaffLogin(caller, 'log out (revoke it instead)').sessionId);
    },

    async changePassword(caller, currentPassword, newPassword, newPasswordRepeat) {
      const me = policy.ownStaffLogin(caller, 'change a password');
      if (newPassword !== newPasswordRepeat) throw new PasswordsDoNotMatchError();
      checkPasswordPolicy(newPassword, me.email);
      const staff = await sessions.authenticate(me.email, currentPassword);
      if (newPassword === currentPassword) throw new WeakPasswordError('The new password must differ from the current one.');
      const passwordHash = await hasher.hash(newPassword);
      await transaction(db, async (tx, work) => {
        // Other sessions end; this one continues (it is the person who just proved the password).
        await sessions.changePassword(work, staff.id, passwordHash, me.sessionId);
        await audit(tx, me, 'staff.password_changed', `staff:${staff.id}`, staff.resellerId, {});
      });
    },

    async create(actor, input) {
      const by = policy.createStaff(actor);
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
        const reseller = input.reseller ? (await findOrCreateReseller(tx, input.reseller)).reseller : null;
        const resellerName = reseller?.name ?? null;
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
      return transaction(db, async (tx, work) => {
        const updated = await tx.staffUser.update({ where: { id: staffId }, data: { disabledAt: target.disabledAt ?? clock.now() } });
        await audit(tx, me, 'staff.disabled', `staff:${staffId}`, target.resellerId, { before: { disabledAt: target.disabledAt }, after: { disabledAt: updated.disabledAt } });
        await sessions.endAll(work, staffId);
        return updated;
      });
    },

    async loginLockout(caller, staff) {
      try {
        policy.manageStaffLockout(caller);
      } catch (error) {
        // A field on every staff row: reseller admins read the rows, just not this.
        if (error instanceof ForbiddenError) return null;
        throw error;
      }
      return sessions.lockout(staff.email);
    },

    async clearLoginLockout(caller, staffId) {
      const me = policy.manageStaffLockout(caller);
      const target = await db.staffUser.findUnique({ where: { id: staffId } });
      if (!target) throw new NotFoundError('There is no such staff member.');
      await sessions.clearLockout(me, target, target.resellerId);
      return target;
    },

    async ensureFirstAdmin(email, password) {
      if ((await db.staffUser.count({ where: { role: 'VENDOR_ADMIN' } })) > 0) return null;
      const { staff } = await this.create('operator', { email, role: 'VENDOR_ADMIN', password });
      return staff;
    },
  };
}
