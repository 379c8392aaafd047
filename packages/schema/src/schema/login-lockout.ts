import { builder } from '../builder.ts';
import type { LoginLockout } from '../services/session.ts';

// Its own file: Customer and StaffUser carry it, and account.ts (clearLoginLockout) imports both of those.
export const LoginLockoutRef = builder.objectRef<LoginLockout>('LoginLockout').implement({
  description:
    'The failed-login limit of a login (RATE_LIMIT_FAILED_LOGINS wrong passwords a minute). While it is locked, every password check of the login (log-in, activation, password change) answers RATE_LIMITED.',
  fields: (t) => ({
    locked: t.boolean({ resolve: (lockout) => lockout.lockedUntil !== null }),
    lockedUntil: t.field({ type: 'DateTime', nullable: true, description: 'When the lock ends by itself.', resolve: (lockout) => lockout.lockedUntil }),
    failedAttempts: t.exposeInt('failedAttempts', { description: 'Wrong passwords in the current window.' }),
  }),
});
