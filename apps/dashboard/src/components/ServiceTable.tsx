// Per-service state (the /services page of docs/PROTOCOL.md, "Dashboard", and the overview's status
// table). Rows link to the service's drill-in page.
import type { ServiceMetrics } from '../api/events';
import { Badge } from './Badge';
import { Link } from '../lib/router';
import { count, eps, num, pct } from '../lib/format';
import { Empty } from './Panel';

export function ServiceTable(props: { services: ServiceMetrics[] | undefined; compact?: boolean }) {
  // Trouble first: gapping, then live services, then the stale ones; by name within each.
  const rank = (s: ServiceMetrics) => (s.status === 'gapping' ? 0 : s.status === 'stale' ? 2 : 1);
  const services = [...(props.services ?? [])].sort((a, b) => rank(a) - rank(b) || a.service.localeCompare(b.service));
  if (services.length === 0)
    return <Empty testid="services-empty">No service has sent logs yet. Start the simulators or POST /ingest.</Empty>;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="service-table">
        <thead>
          <tr>
            <th>Service</th>
            <th>Status</th>
            <th class="num">EPS</th>
            <th class="num">Errors</th>
            <th class="num">ackTill</th>
            <th class="num">Missing</th>
            {!props.compact && <th class="num">Buffer</th>}
            {!props.compact && <th class="num">Replays (pend./done/failed)</th>}
            {!props.compact && <th class="num">Lost</th>}
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={s.service} data-testid={`service-row-${s.service}`}>
              <td>
                <Link href={`/services/${encodeURIComponent(s.service)}`} class="mono">
                  {s.service}
                </Link>
              </td>
              <td>
                <Badge value={s.status} />
              </td>
              <td class="num">{eps(s.eps)}</td>
              <td class="num">{pct(s.errorRate)}</td>
              <td class="num mono">{num(s.ackTill)}</td>
              <td class={`num ${s.missing ? 'tone-warn' : ''}`}>{count(s.missing, 'seqs')}</td>
              {!props.compact && (
                <td class={`num ${s.bufferFull ? 'tone-bad' : ''}`} data-testid="buffer-depth">
                  {count(s.bufferDepth, 'entries')}
                  {s.bufferFull && <span class="small"> (full: producing paused)</span>}
                  {!!s.sequenceReused && (
                    <span class="small tone-bad" data-testid="sequence-reused">
                      {' '}
                      ({num(s.sequenceReused)} batches with reused seqs refused)
                    </span>
                  )}
                </td>
              )}
              {!props.compact && (
                <td class="num">
                  {s.replays ? `${num(s.replays.pending)} / ${num(s.replays.completed)} / ${num(s.replays.failed)}` : '—'}
                </td>
              )}
              {!props.compact && <td class={`num ${s.lost ? 'tone-bad' : ''}`}>{count(s.lost, 'seqs')}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
