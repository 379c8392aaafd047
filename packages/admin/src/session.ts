// The staff session token, kept in localStorage so a reload keeps the admin logged in.

const TOKEN_KEY = 'slotkeeper.staffToken';

export const session = {
  token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token: string) {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
  },
};
