// `/queue`: queue depth over time, worker liveness, and the timeline of what was done to the
// system (sim events from GET /sim-events merged with live sim:control and worker events).
import { useMemo } from 'preact/hooks';
import { api } from '../../api/http';
import type { SimEvent } from '../../api/events';
import { metrics, historyWindowMs, simEvents, workerEvents } from '../../state/live';
import { useStore } from '../../lib/store';
import { usePoll } from '../../lib/use-poll';
import { Panel, Stat, Resource } from '../../components/Panel';
import { TimeChart } from '../../components/TimeChart';
import { WorkerTable } from '../../components/WorkerTable';
import { ControlPanel } from '../../components/ControlPanel';
import { clock, duration, entries, num, toDate } from '../../lib/format';

interface TimelineItem {
  key: string;
  ts: number;
  kind: string;
  text: string;
  tone: 'warn' | 'bad' | 'ok' | 'info';
}

function simText(e: SimEvent): string {
  const p = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
  const until = toDate(e.until ?? null);
  const ts = toDate(e.ts);
  return `${e.action}${p}${until && ts ? ` for ${duration(until.getTime() - ts.getTime())}` : ''}`;
}

export function QueuePage() {
  const { latest, history } = useStore(metrics);
  const live = useStore(simEvents);
  const workers = useStore(workerEvents);
  const stored = usePoll((signal) => api.simEvents(100, signal), 15000, []);

  const timeline = useMemo(() => {
    const items = new Map<string, TimelineItem>();
    for (const e of [...(stored.data ?? []), ...live]) {
      const ts = toDate(e.ts)?.getTime() ?? 0;
      const key = `sim-${e.id ?? `${e.action}-${ts}`}`;
      items.set(key, { key, ts, kind: 'control', text: simText(e), tone: e.action === 'reset' ? 'bad' : 'warn' });
    }
    for (const w of workers) {
      const key = `w-${w.kind}-${w.workerId}-${w.ts}`;
      items.set(key, {
        key,
        ts: w.ts,
        kind: `worker ${w.kind}`,
        text: w.kind === 'crashed' ? `${w.workerId}${w.reason ? `: ${w.reason}` : ''}` : `${w.workerId} after ${duration(w.downMs)}`,
        tone: w.kind === 'crashed' ? 'bad' : 'ok',
      });
    }
    return [...items.values()].sort((a, b) => b.ts - a.ts).slice(0, 100);
  }, [stored.data, live, workers]);

  const q = latest?.queue;
  return (
    <div class="page" data-testid="page-queue">
      <h1>Queue and worker</h1>
      <div class="stats">
        <Stat label="queue:logs" value={entries(q?.logs)} testid="stat-queue-logs" />
        <Stat label="queue:retry" value={entries(q?.retry)} tone={q?.retry ? 'warn' : undefined} testid="stat-queue-retry" />
        <Stat label="In flight" value={entries(q?.pending)} hint="delivered to a worker, not acked" testid="stat-queue-pending" />
        <Stat label="Insert" value={latest?.insert?.eps !== undefined ? `${num(latest.insert.eps)} logs/s` : '—'} testid="stat-queue-insert" />
      </div>
      <Panel title="Queue depth — last 5 min" testid="panel-queue-depth">
        <TimeChart
          testid="chart-queue"
          times={history.map((h) => h.ts)}
          windowMs={historyWindowMs}
          unit="entries"
          minYMax={10}
          format={(v) => entries(v)}
          series={[
            { label: 'queue:logs', color: 'var(--c-ingest)', values: history.map((h) => h.queue?.logs ?? null) },
            { label: 'queue:retry', color: 'var(--c-warn)', values: history.map((h) => h.queue?.retry ?? null) },
          ]}
        />
      </Panel>
      <div class="grid-2">
        <Panel title="Workers" testid="panel-workers">
          <WorkerTable />
          <ControlPanel faults={latest?.faults} />
        </Panel>
        <Panel title="Timeline" testid="panel-timeline">
          <Resource
            what="sim events"
            data={stored.error && !stored.data ? (live.length || workers.length ? [] : undefined) : stored.data}
            error={stored.error}
            loading={stored.loading}
          >
            {() =>
              timeline.length === 0 ? (
                <div class="state state-empty" data-testid="timeline-empty">
                  Nothing injected yet. The controls above and on the overview page add events here.
                </div>
              ) : (
                <ol class="timeline" data-testid="timeline">
                  {timeline.map((t) => (
                    <li key={t.key} class={`tone-${t.tone}`} data-testid="timeline-item">
                      <span class="mono dim">{clock(t.ts, false)}</span>
                      <b>{t.kind}</b>
                      <span>{t.text}</span>
                    </li>
                  ))}
                </ol>
              )
            }
          </Resource>
        </Panel>
      </div>
    </div>
  );
}
