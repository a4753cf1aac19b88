// The admin token for this browser session (README "Security"). The backend may require
// TRACEHUB_ADMIN_TOKEN for admin calls (controls, manual replay) and for the Socket.IO
// channel; the sign-in screen asks for it once and keeps it in sessionStorage, so it goes
// with the tab and is never written to disk by the app. http.ts sends it on every call,
// socket.ts in the handshake's `auth`.
import { Store } from '../lib/store';

const key = 'tracehub.adminToken';

export type AuthState = {
  // null until GET /auth answered.
  tokenRequired: boolean | null;
  publicRead: boolean;
  signedIn: boolean; // the backend accepted this session's token (or needs none)
  // Why the sign-in screen is shown (a refused call or handshake); null: not asked for.
  prompt: string | null;
};

export const auth = new Store<AuthState>({ tokenRequired: null, publicRead: false, signedIn: false, prompt: null });

export function token(): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: no token kept
  }
}

export function storeToken(t: string | null): void {
  try {
    if (t) sessionStorage.setItem(key, t);
    else sessionStorage.removeItem(key);
  } catch {
    // storage disabled: the token lasts until the page reloads (kept by the caller)
  }
}

// Shows the sign-in screen with `why` (a 401/403 message).
export function askForToken(why: string): void {
  auth.update((a) => ({ ...a, signedIn: false, prompt: why }));
}
