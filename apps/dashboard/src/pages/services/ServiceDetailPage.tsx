// `/services/<name>`: one producer when it starts gapping — its gaps, replays, lost seqs and
// recent errors.
import { api } from '../../api/http';
import { metrics } from '../../state/live';
import { useStore } from '../../lib/store';
import { usePoll } from '../../lib/use-poll';
import { Panel, Stat, Resource } from '../../components/Panel';
import { Badge } from '../../components/Badge';
import { DeadLetterTable, ReplayTable, RetryDeadLetters } from '../replay/ReplayPage';
import { LogTable } from '../logs/LogTable';
import { Link } from '../../lib/router';
import { count, eps, num, pct } from '../../lib/format';

export function ServiceDetailPage(props: { service: string }) {
  const { service } = props;
  const m = useStore(metrics);
  const live = m.latest?.services?.find((s) => s.service === service);
  const detail = usePoll((signal) => api.services(signal).then((all) => all.find((s) => s.service === service) ?? null), 4000, [service]);
  const replays = usePoll((signal) => api.replays({ service, limit: 50 }, signal), 4000, [service]);
  const lost = usePoll((signal) => api.lost({ service, limit: 100 }, signal), 8000, [service]);
  const dead = usePoll((signal) => api.deadLetters({ service, limit: 100 }, signal), 8000, [service]);
  const errors = usePoll((signal) => api.logs({ service, level: 'error,fatal', limit: 50 }, signal), 5000, [service]);
  const gaps = detail.data?.gaps ?? [];

  return (
    <div class="page" data-testid="page-service-detail">
      <p class="crumbs">
        <Link href="/services">Services</Link> / <span class="mono">{service}</span>
      </p>
      <h1>
        <span class="mono">{service}</span> <Badge value={live?.status} testid="service-status" />
      </h1>
      <div class="stats">
        <Stat label="Rate" value={eps(live?.eps)} />
        <Stat label="Error rate" value={pct(live?.errorRate)} />
        <Stat label="ackTill" value={num(live?.ackTill)} hint={live?.contiguousTill !== undefined ? `contiguous to ${num(live.contiguousTill)}` : undefined} />
        <Stat label="Missing" value={count(live?.missing, 'seqs')} tone={live?.missing ? 'warn' : undefined} />
        <Stat
          label="Buffer depth"
          value={count(live?.bufferDepth, 'entries')}
          tone={live?.bufferFull ? 'bad' : undefined}
          hint={live?.bufferFull ? `full: producing paused (${num(live.heldBack)} logs held back)` : undefined}
        />
        <Stat label="Lost" value={count(live?.lost, 'seqs')} tone={live?.lost ? 'bad' : undefined} />
        <Stat label="Dead letters" value={count(live?.deadLetters, 'seqs')} tone={live?.deadLetters ? 'bad' : undefined} />
        <Stat
          label="Reused seqs"
          value={count(live?.sequenceReused, 'batches')}
          tone={live?.sequenceReused ? 'bad' : undefined}
          hint={live?.sequenceReused ? 'refused: a producer sent seqs it does not own (restarted counter?)' : undefined}
        />
      </div>
      <div class="grid-2">
        <Panel title="Gaps (missing seq ranges)" testid="panel-gaps">
          <Resource what="gaps" {...detail} empty={(d) => !d || (d.gaps ?? []).length === 0} emptyText="No gaps: every seq up to ackTill has arrived.">
            {() => (
              <ul class="gaps" data-testid="gap-list">
                {gaps.slice(0, 200).map(([lo, hi]) => (
                  <li key={lo} class="mono">
                    {lo === hi ? lo : `${lo}–${hi}`} <span class="dim">({num(hi - lo + 1)} seqs)</span>
                  </li>
                ))}
                {gaps.length > 200 && <li class="dim">… {num(gaps.length - 200)} more ranges</li>}
              </ul>
            )}
          </Resource>
        </Panel>
        <Panel title="Lost seqs" testid="panel-service-lost">
          <Resource what="lost seqs" {...lost} empty={(d) => d.length === 0} emptyText="Nothing lost.">
            {(d) => (
              <ul class="gaps">
                {d.map((l) => (
                  <li key={l.from} class="mono tone-bad">
                    {l.from === l.to ? l.from : `${l.from}–${l.to}`} <span class="dim">({count(l.count, 'seqs')}, {l.reason ?? 'lost'})</span>
                  </li>
                ))}
              </ul>
            )}
          </Resource>
        </Panel>
      </div>
      <Panel
        title="Dead letters (refused by Postgres)"
        testid="panel-service-dead-letters"
        actions={<RetryDeadLetters service={service} onDone={() => dead.refresh()} />}
      >
        <Resource what="dead letters" {...dead} empty={(d) => d.items.length === 0} emptyText="No dead letters.">
          {(d) => <DeadLetterTable items={d.items} />}
        </Resource>
      </Panel>
      <Panel title="Replays" testid="panel-service-replays">
        <Resource what="replays" {...replays} empty={(d) => d.length === 0} emptyText="No replays for this service.">
          {(d) => <ReplayTable replays={d} />}
        </Resource>
      </Panel>
      <Panel title="Recent errors (error, fatal)" testid="panel-service-errors">
        <Resource what="errors" {...errors} empty={(d) => d.items.length === 0} emptyText="No error or fatal logs stored for this service.">
          {(d) => <LogTable items={d.items} />}
        </Resource>
      </Panel>
    </div>
  );
}
