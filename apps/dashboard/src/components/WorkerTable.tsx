// Worker liveness: the snapshot's workers, corrected by crash/recovery events newer than it.
import { metrics, workerEvents, workerState } from '../state/live';
import { useStore } from '../lib/store';
import { Badge } from './Badge';
import { Empty } from './Panel';
import { ago, duration, num } from '../lib/format';
import { useNow } from '../lib/use-poll';

export function WorkerTable() {
  const m = useStore(metrics);
  const events = useStore(workerEvents);
  const now = useNow(1000);
  const workers = m.latest?.workers ?? [];
  if (!m.latest) return <Empty>Waiting for the first snapshot…</Empty>;
  if (workers.length === 0) return <Empty testid="workers-empty">No worker reported (role api, or not started).</Empty>;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="worker-table">
        <thead>
          <tr>
            <th>Worker</th>
            <th>State</th>
            <th class="num">Last seen</th>
            <th class="num">Restarts</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => {
            const id = String(w.id);
            const state = workerState(id, w.state, m.latest!.ts, events);
            return (
              <tr key={id} data-testid="worker-row">
                <td class="mono">{id}</td>
                <td>
                  <Badge value={state} testid={`worker-state-${id}`} />
                  {state === 'down' && w.recoversAt !== undefined && (
                    <span class="dim small">
                      {' '}
                      {w.reason ?? 'down'}, back in {duration(Math.max(0, w.recoversAt - now))}
                    </span>
                  )}
                </td>
                <td class="num">{w.lastSeenMs !== undefined ? ago(w.lastSeenMs, now) : '—'}</td>
                <td class="num">{num(w.restarts)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
