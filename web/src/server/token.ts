/**
 * The API's bearer token in the browser: entered once, kept for this tab's session
 * (sessionStorage), and on this device (localStorage) only when the user ticks
 * "remember": a token left in localStorage outlives the session on a shared computer.
 */
const KEY = 'neural-style:api-token';

export const tokenStore = {
  get(): string | undefined {
    return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY) ?? undefined;
  },

  remembered(): boolean {
    return localStorage.getItem(KEY) !== null;
  },

  set(token: string, remember: boolean): void {
    const t = token.trim();
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(KEY);
    if (t === '') return;
    (remember ? localStorage : sessionStorage).setItem(KEY, t);
  },
};
