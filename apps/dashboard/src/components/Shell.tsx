// The frame around every page: navigation, the live connection state and its banner.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { auth } from '../api/auth';
import { connection } from '../api/socket';
import { AuthButton, loadAuth, SignIn } from './SignIn';
import { metrics } from '../state/live';
import { useStore } from '../lib/store';
import { Link, useLocation } from '../lib/router';
import { useNow } from '../lib/use-poll';

export const pages = [
  { path: '/', label: 'Overview' },
  { path: '/live-logs', label: 'Live logs' },
  { path: '/queue', label: 'Queue' },
  { path: '/replay', label: 'Replay' },
  { path: '/services', label: 'Services' },
  { path: '/logs', label: 'Search' },
];

function ConnectionPill() {
  const c = useStore(connection);
  const m = useStore(metrics);
  const now = useNow(1000);
  const stale = c.state === 'connected' && m.receivedAt > 0 && now - m.receivedAt > 6000;
  const text = c.state === 'connected' ? (stale ? 'connected, no data' : 'connected') : c.state === 'connecting' ? 'connecting…' : 'reconnecting…';
  const tone = c.state === 'connected' && !stale ? 'ok' : c.state === 'connecting' ? 'dim' : 'warn';
  return (
    <span class={`pill tone-${tone}`} data-testid="connection-status" data-state={c.state}>
      <i class="dot" /> {text}
    </span>
  );
}

function Banner() {
  const c = useStore(connection);
  if (c.state !== 'reconnecting') return null;
  return (
    <div class="banner" role="status" data-testid="disconnected-banner">
      Live connection lost — reconnecting… (attempt {c.attempt}
      {c.error ? `, ${c.error}` : ''}). Numbers below are from the last snapshot.
    </div>
  );
}

export function Shell(props: { children: ComponentChildren }) {
  const { path } = useLocation();
  const a = useStore(auth);
  useEffect(() => void loadAuth(), []);
  const current = (p: string) => (p === '/' ? path === '/' : path === p || path.startsWith(`${p}/`));
  return (
    <div class="shell">
      <nav class="nav" data-testid="nav">
        <Link href="/" class="brand">
          TraceHub
        </Link>
        <div class="nav-links">
          {pages.map((p) => (
            <Link
              key={p.path}
              href={p.path}
              class={current(p.path) ? 'active' : ''}
              aria-current={current(p.path) ? 'page' : undefined}
              data-testid={`nav-${p.path === '/' ? 'overview' : p.path.slice(1)}`}
            >
              {p.label}
            </Link>
          ))}
        </div>
        <ConnectionPill />
        <AuthButton />
      </nav>
      <Banner />
      <main class="main">{a.prompt !== null ? <SignIn /> : props.children}</main>
    </div>
  );
}
