import type { AuthProvider, UserIdentity } from 'react-admin';
import type { StaffRole } from './generated/schema.ts';
import { type Api, ApiError } from './graphql.ts';

export type Role = StaffRole;

export interface Viewer {
  id: string;
  email: string;
  role: Role;
  reseller: { id: string; name: string } | null;
}

export interface TokenStore {
  token(): string | null;
  set(token: string): void;
  clear(): void;
}

const VIEWER = 'query { viewer { id email role reseller { id name } } }';

/** Staff log in with e-mail + password (staffLogIn); who they are and what they may see come from `viewer`. */
export function createAuthProvider(api: Api, store: TokenStore): AuthProvider {
  const viewer = async () => (store.token() ? (await api.request<{ viewer: Viewer | null }>(VIEWER)).viewer : null);

  return {
    async login({ username, password }: { username: string; password: string }) {
      const result = await api.mutate<{ token: string }>(
        'staffLogIn',
        'StaffLogInInput',
        { email: String(username ?? '').trim(), password: String(password ?? '') },
        '... on StaffLogInSuccess { token }',
      );
      store.set(result.token);
    },

    async logout() {
      if (store.token()) {
        // Ends the session on the server too; an already expired one is fine.
        await api.mutate('staffLogOut', null, null, '... on StaffLogOutSuccess { ok }').catch(() => undefined);
      }
      store.clear();
    },

    async checkAuth() {
      // To the login page, without an error notification: not being logged in yet is no failure.
      if (!store.token()) throw { message: false };
    },

    async checkError(error: unknown) {
      const status = (error as { status?: number } | null)?.status;
      if (status !== 401 && status !== 403) return;
      // FORBIDDEN also answers a staff member who may not do one thing: log out only when the
      // session itself is gone (expired, ended elsewhere, staff disabled).
      const current = await viewer().catch(() => null);
      if (!current) {
        store.clear();
        throw new ApiError('Your session has ended. Log in again.', 401, 'FORBIDDEN');
      }
    },

    async getIdentity(): Promise<UserIdentity> {
      const current = await viewer();
      if (!current) throw new ApiError('Log in first.', 401, 'FORBIDDEN');
      return { id: current.id, fullName: current.email, role: current.role, reseller: current.reseller };
    },

    async getPermissions() {
      return (await viewer())?.role ?? null;
    },
  };
}
