// A coloured state word (up/down, healthy/gapping/stale, pending/completed/failed, log levels).
const tones: Record<string, string> = {
  up: 'ok',
  healthy: 'ok',
  completed: 'ok',
  connected: 'ok',
  down: 'bad',
  failed: 'bad',
  error: 'bad',
  fatal: 'bad',
  gapping: 'warn',
  stale: 'warn',
  pending: 'warn',
  warn: 'warn',
  info: 'info',
  debug: 'dim',
};

export function Badge(props: { value: string | undefined | null; testid?: string }) {
  const v = props.value ?? 'unknown';
  return (
    <span class={`badge tone-${tones[v] ?? 'dim'}`} data-testid={props.testid} data-value={v}>
      {v}
    </span>
  );
}
