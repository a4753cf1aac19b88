// `/`: is the pipeline healthy, and the switches to break it (docs/PROTOCOL.md, "Dashboard").
import { metrics, historyWindowMs } from '../../state/live';
import { useStore } from '../../lib/store';
import { Panel, Stat } from '../../components/Panel';
import { TimeChart } from '../../components/TimeChart';
import { ServiceTable } from '../../components/ServiceTable';
import { ControlPanel } from '../../components/ControlPanel';
import { WorkerTable } from '../../components/WorkerTable';
import { Badge } from '../../components/Badge';
import { compact, entries, eps, ms, num, pct } from '../../lib/format';

export function OverviewPage() {
  const { latest, history } = useStore(metrics);
  const m = latest;
  const workers = m?.workers ?? [];
  const up = workers.filter((w) => w.state === 'up').length;
  const queued = (m?.queue?.logs ?? 0) + (m?.queue?.retry ?? 0);
  const errorRate = m?.ingest?.errorRate;
  const p99 = m?.ackLatencyMs?.p99;
  return (
    <div class="page" data-testid="page-overview">
      <h1>System overview</h1>
      <div class="stats">
        <Stat label="Ingest" value={eps(m?.ingest?.eps)} testid="stat-ingest-eps" />
        <Stat label="Insert" value={eps(m?.insert?.eps)} testid="stat-insert-eps" />
        <Stat label="Error rate" value={pct(errorRate)} tone={errorRate !== undefined && errorRate > 0.05 ? 'warn' : undefined} testid="stat-error-rate" />
        <Stat label="ACK p99" value={ms(p99)} hint={m?.ackLatencyMs ? `p50 ${ms(m.ackLatencyMs.p50)} · p95 ${ms(m.ackLatencyMs.p95)}` : undefined} tone={p99 !== undefined && p99 > 1000 ? 'warn' : undefined} testid="stat-ack-p99" />
        <Stat label="Queue depth" value={m?.queue ? entries(queued) : '—'} hint={m?.queue ? `logs ${num(m.queue.logs)} · retry ${num(m.queue.retry)}` : undefined} tone={queued > 10000 ? 'warn' : undefined} testid="stat-queue-depth" />
        <Stat label="Workers up" value={m ? `${up} / ${workers.length}` : '—'} tone={m && up < workers.length ? 'bad' : undefined} testid="stat-workers" />
        <Stat label="Replays pending" value={num(m?.replays?.pending)} hint={m?.replays ? `${num(m.replays.completed)} done · ${num(m.replays.failed)} failed` : undefined} testid="stat-replays" />
        <Stat label="Lost" value={m?.lost !== undefined ? `${num(m.lost)} seqs` : '—'} tone={m?.lost ? 'bad' : undefined} testid="stat-lost" />
      </div>

      <div class="grid-2">
        <Panel title="Throughput — last 5 min" testid="panel-eps">
          <TimeChart
            testid="chart-eps"
            times={history.map((h) => h.ts)}
            windowMs={historyWindowMs}
            unit="logs/s"
            minYMax={10}
            format={(v) => `${compact(v)} logs/s`}
            series={[
              { label: 'ingest', color: 'var(--c-ingest)', values: history.map((h) => h.ingest?.eps ?? null) },
              { label: 'insert', color: 'var(--c-insert)', values: history.map((h) => h.insert?.eps ?? null) },
            ]}
          />
        </Panel>
        <Panel title="Fault injection" testid="panel-controls">
          <ControlPanel faults={m?.faults} />
          <div class="infra">
            <span>Postgres <Badge value={m?.postgres} testid="postgres-state" /></span>
            <span>Redis <Badge value={m?.redis} testid="redis-state" /></span>
            <span>Dashboard clients {num(m?.realtime?.clients)}</span>
          </div>
        </Panel>
      </div>

      <div class="grid-2">
        <Panel title="Services" testid="panel-services">
          <ServiceTable services={m?.services} compact />
        </Panel>
        <Panel title="Workers" testid="panel-workers">
          <WorkerTable />
        </Panel>
      </div>
    </div>
  );
}
