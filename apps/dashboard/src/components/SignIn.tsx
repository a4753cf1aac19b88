// The sign-in screen: asks for TRACEHUB_ADMIN_TOKEN once, checks it with GET /auth, keeps it
// for the session (api/auth.ts) and reconnects the live channel with it. "Continue read-only"
// leaves the pages that only read working without it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/http';
import { auth, storeToken } from '../api/auth';
import { reconnect } from '../api/socket';
import { useStore } from '../lib/store';

export function SignIn() {
  const a = useStore(auth);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  async function submit(e: Event) {
    e.preventDefault();
    const t = value.trim();
    if (!t) return setError('Enter the token.');
    setBusy(true);
    setError(null);
    try {
      const s = await api.auth(t);
      if (!s.admin) {
        setError('The backend refused this token (403): it is not TRACEHUB_ADMIN_TOKEN.');
        return;
      }
      storeToken(t);
      auth.update((x) => ({ ...x, signedIn: true, prompt: null }));
      reconnect();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="page sign-in" data-testid="sign-in">
      <h1>Sign in</h1>
      <p>{a.prompt ?? 'This TraceHub requires the admin token for controls and replays.'}</p>
      <form onSubmit={submit} class="sign-in-form">
        <label>
          Admin token (TRACEHUB_ADMIN_TOKEN)
          <input
            ref={input}
            type="password"
            autocomplete="current-password"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            data-testid="sign-in-token"
          />
        </label>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => auth.update((x) => ({ ...x, prompt: null }))} data-testid="sign-in-skip">
            Continue read-only
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="sign-in-submit">
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </div>
      </form>
      {error && (
        <div class="control-outcome tone-bad" role="alert" data-testid="sign-in-error">
          {error}
        </div>
      )}
      <p class="dim">The token is kept for this browser tab only.</p>
    </div>
  );
}

// Reads GET /auth once at start-up: whether a token is needed and whether this session's
// works. Asks for it when the backend needs one and the live channel would be closed without.
export async function loadAuth(): Promise<void> {
  try {
    const s = await api.auth();
    const signedIn = s.admin || !s.tokenRequired;
    if (!s.admin) storeToken(null);
    auth.set({
      tokenRequired: s.tokenRequired,
      publicRead: s.publicRead,
      signedIn,
      prompt: s.tokenRequired && !signedIn ? 'This TraceHub requires the admin token for controls, replays and (unless public read is on) the live channel.' : null,
    });
  } catch {
    // Backend unreachable: the connection banner says so; calls report their own errors.
  }
}

// The nav's sign-in / sign-out button (only when the backend has a token).
export function AuthButton() {
  const a = useStore(auth);
  if (!a.tokenRequired) return null;
  if (a.signedIn)
    return (
      <button
        class="btn btn-small"
        data-testid="sign-out"
        onClick={() => {
          storeToken(null);
          auth.update((x) => ({ ...x, signedIn: false }));
          reconnect();
        }}
      >
        Sign out
      </button>
    );
  return (
    <button class="btn btn-small" data-testid="sign-in-open" onClick={() => auth.update((x) => ({ ...x, prompt: 'Sign in to use controls and replays.' }))}>
      Sign in
    </button>
  );
}
