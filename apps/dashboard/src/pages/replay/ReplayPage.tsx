// `/replay`: replay requests by status, seqs reported lost, a manual trigger, and the live
// replay:completed feed.
import { useState } from 'preact/hooks';
import { api, ApiError, type DeadLetter, type Replay } from '../../api/http';
import { metrics, replayFeed } from '../../state/live';
import { useStore } from '../../lib/store';
import { usePoll } from '../../lib/use-poll';
import { Panel, Stat, Resource, Empty } from '../../components/Panel';
import { Badge } from '../../components/Badge';
import { clock, count, dateTime, duration, num } from '../../lib/format';
import { useSocketEvent } from '../../api/socket';

const tabs = ['all', 'pending', 'completed', 'failed'] as const;
type Tab = (typeof tabs)[number];

export function ReplayTable(props: { replays: Replay[] }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="replay-table">
        <thead>
          <tr>
            <th class="num">ID</th>
            <th>Service</th>
            <th class="num">Seqs</th>
            <th>Status</th>
            <th>Source</th>
            <th class="num">Recovered</th>
            <th class="num">Lost</th>
            <th class="num">Latency</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {props.replays.map((r) => (
            <tr key={r.id} data-testid={`replay-row-${r.id}`} data-status={r.status}>
              <td class="num mono">{r.id}</td>
              <td class="mono">{r.service}</td>
              <td class="num mono">
                {r.from === r.to ? r.from : `${r.from}–${r.to}`}
              </td>
              <td>
                <Badge value={r.status} testid={`replay-status-${r.id}`} />
              </td>
              <td>{r.source ?? '—'}</td>
              <td class="num">{count(r.recovered, 'logs')}</td>
              <td class={`num ${r.lost ? 'tone-bad' : ''}`}>{count(r.lost, 'seqs')}</td>
              <td class="num">{duration(r.latencyMs)}</td>
              <td class="mono dim">{dateTime(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// Rows Postgres refused (GET /dead-letters), each with its reason and the log as received.
export function DeadLetterTable(props: { items: DeadLetter[] }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="dead-letter-table">
        <thead>
          <tr>
            <th>Service</th>
            <th class="num">Seq</th>
            <th>Message</th>
            <th>Reason</th>
            <th class="num">Attempts</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((d) => (
            <tr key={d.id} data-testid="dead-letter-row">
              <td class="mono">{d.service}</td>
              <td class="num mono tone-bad">{d.seq}</td>
              <td class="mono">{d.entry?.message ?? d.row}</td>
              <td class="small">{d.reason}</td>
              <td class="num">{num(d.attempts)}</td>
              <td class="mono dim">{dateTime(d.lastSeenAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// Re-queues the unresolved dead letters (of one service, or all) once their cause is fixed.
export function RetryDeadLetters(props: { service?: string; onDone: () => void }) {
  const [note, setNote] = useState<string | null>(null);
  const retry = async () => {
    try {
      const r = await api.retryDeadLetters(props.service);
      setNote(`${num(r.requeued)} re-queued`);
      props.onDone();
    } catch (e) {
      setNote(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <span class="inline-actions">
      <button class="btn" onClick={retry} data-testid="dead-letters-retry">
        Retry
      </button>
      {note && <span class="dim small" data-testid="dead-letters-note">{note}</span>}
    </span>
  );
}

function TriggerForm(props: { onCreated: (id: number) => void }) {
  const m = useStore(metrics);
  const [service, setService] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const services = (m.latest?.services ?? []).map((s) => s.service).sort();

  async function submit(e: Event) {
    e.preventDefault();
    const f = Number(from);
    const t = Number(to);
    if (!service || !Number.isInteger(f) || !Number.isInteger(t) || f < 1 || t < f) {
      setResult({ ok: false, text: 'Need a service and 1 ≤ from ≤ to (whole numbers).' });
      return;
    }
    setBusy(true);
    try {
      const r = await api.replay(service, f, t);
      setResult({ ok: true, text: `Replay #${r.id} queued for ${service} seqs ${f}–${t}.` });
      props.onCreated(r.id);
    } catch (err) {
      setResult({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form" onSubmit={submit} data-testid="replay-form">
      <label>
        Service
        <input list="replay-services" value={service} onInput={(e) => setService(e.currentTarget.value.trim())} placeholder="payment-service" required data-testid="replay-service" />
        <datalist id="replay-services">
          {services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </label>
      <label>
        From seq
        <input type="number" min={1} value={from} onInput={(e) => setFrom(e.currentTarget.value)} required data-testid="replay-from" />
      </label>
      <label>
        To seq
        <input type="number" min={1} value={to} onInput={(e) => setTo(e.currentTarget.value)} required data-testid="replay-to" />
      </label>
      <button class="btn btn-primary" type="submit" disabled={busy} data-testid="replay-submit">
        {busy ? 'Queuing…' : 'Replay range'}
      </button>
      {result && (
        <div class={`form-result ${result.ok ? 'tone-ok' : 'tone-bad'}`} role="status" data-testid="replay-result">
          {result.text}
        </div>
      )}
    </form>
  );
}

export function ReplayPage() {
  const m = useStore(metrics);
  const feed = useStore(replayFeed);
  const [tab, setTab] = useState<Tab>('all');
  const replays = usePoll((signal) => api.replays({ status: tab === 'all' ? undefined : tab, limit: 100 }, signal), 3000, [tab]);
  const lost = usePoll((signal) => api.lost({ limit: 100 }, signal), 5000, []);
  const dead = usePoll((signal) => api.deadLetters({ limit: 100 }, signal), 5000, []);
  useSocketEvent('replay:completed', () => replays.refresh());
  const counts = m.latest?.replays;

  return (
    <div class="page" data-testid="page-replay">
      <h1>Replay</h1>
      <div class="stats">
        <Stat label="Pending" value={num(counts?.pending)} tone={counts?.pending ? 'warn' : undefined} testid="stat-replays-pending" />
        <Stat label="Completed" value={num(counts?.completed)} testid="stat-replays-completed" />
        <Stat label="Failed" value={num(counts?.failed)} tone={counts?.failed ? 'bad' : undefined} testid="stat-replays-failed" />
        <Stat label="Lost" value={m.latest?.lost !== undefined ? `${num(m.latest.lost)} seqs` : '—'} tone={m.latest?.lost ? 'bad' : undefined} testid="stat-replays-lost" />
        <Stat
          label="Dead letters"
          value={m.latest?.deadLetters !== undefined ? `${num(m.latest.deadLetters)} seqs` : '—'}
          tone={m.latest?.deadLetters ? 'bad' : undefined}
          testid="stat-dead-letters"
        />
      </div>
      <div class="grid-2">
        <Panel title="Manual replay" testid="panel-replay-trigger">
          <p class="dim small">Re-reads the range from the producer's buffer; seqs already stored are skipped (dedupe).</p>
          <TriggerForm onCreated={() => replays.refresh()} />
        </Panel>
        <Panel title="Completed live" testid="panel-replay-feed">
          {feed.length === 0 ? (
            <Empty testid="replay-feed-empty">No replay completed since this page was opened.</Empty>
          ) : (
            <ol class="feed" data-testid="replay-feed">
              {feed.slice(0, 30).map((r, i) => (
                <li key={`${r.receivedAt}-${i}`} data-testid="replay-feed-item">
                  <span class="mono dim">{clock(r.receivedAt, false)}</span>
                  <span class="mono">{r.service}</span>
                  <span>{count(r.count, 'logs')} recovered</span>
                  <span class="dim">in {duration(r.latencyMs)}</span>
                </li>
              ))}
            </ol>
          )}
        </Panel>
      </div>
      <Panel
        title="Replay requests"
        testid="panel-replays"
        actions={
          <div class="tabs" role="tablist">
            {tabs.map((t) => (
              <button key={t} role="tab" aria-selected={tab === t} class={`tab ${tab === t ? 'active' : ''}`} onClick={() => setTab(t)} data-testid={`replay-tab-${t}`}>
                {t}
              </button>
            ))}
          </div>
        }
      >
        <Resource what="replays" {...replays} empty={(d) => d.length === 0} emptyText={tab === 'all' ? 'No replay requests yet: no gaps so far.' : `No ${tab} replays.`}>
          {(d) => <ReplayTable replays={d} />}
        </Resource>
      </Panel>
      <Panel title="Lost seqs" testid="panel-lost">
        <Resource what="lost seqs" {...lost} empty={(d) => d.length === 0} emptyText="Nothing lost: every gap was recovered.">
          {(d) => (
            <div class="table-wrap">
              <table class="table" data-testid="lost-table">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th class="num">Seqs</th>
                    <th class="num">Count</th>
                    <th>Reason</th>
                    <th class="num">Replay</th>
                    <th>Recorded</th>
                  </tr>
                </thead>
                <tbody>
                  {d.map((l) => (
                    <tr key={`${l.service}-${l.from}`}>
                      <td class="mono">{l.service}</td>
                      <td class="num mono">{l.from === l.to ? l.from : `${l.from}–${l.to}`}</td>
                      <td class="num tone-bad">{count(l.count, 'seqs')}</td>
                      <td>{l.reason ?? '—'}</td>
                      <td class="num mono">{l.replayId ?? '—'}</td>
                      <td class="mono dim">{dateTime(l.recordedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Resource>
      </Panel>
      <Panel title="Dead letters (refused by Postgres)" testid="panel-dead-letters" actions={<RetryDeadLetters onDone={() => dead.refresh()} />}>
        <Resource what="dead letters" {...dead} empty={(d) => d.items.length === 0} emptyText="No dead letters: Postgres took every row.">
          {(d) => <DeadLetterTable items={d.items} />}
        </Resource>
      </Panel>
    </div>
  );
}
