// `/live-logs`: every log:new as a row, newest first, filtered by service, level and text,
// pausable. The feed (use-live-logs.ts) keeps a bounded ring updated once per animation frame;
// the list (VirtualList) puts only the rows in view in the DOM, so the page stays smooth at full
// rate.
import { useMemo, useState, useEffect } from 'preact/hooks';
import { levels, type LogEntry } from '../../api/events';
import { metrics } from '../../state/live';
import { useStore, Store } from '../../lib/store';
import { clock, num } from '../../lib/format';
import { Badge } from '../../components/Badge';
import { Panel } from '../../components/Panel';
import { VirtualList } from '../../components/VirtualList';
import { capacity, useLiveLogs, type Filter, type Row } from './use-live-logs';

const rowHeight = 26;

// Kept across page visits.
const filterStore = new Store<Filter>({ service: '', level: '', q: '' });

export function LiveLogsPage() {
  const filter = useStore(filterStore);
  const [qInput, setQInput] = useState(filter.q);
  const [selected, setSelected] = useState<Row | null>(null);
  const feed = useLiveLogs(filter);
  const { total, paused } = feed;

  const m = useStore(metrics);
  const services = useMemo(() => {
    const s = new Set((m.latest?.services ?? []).map((x) => x.service));
    if (filter.service) s.add(filter.service);
    return [...s].sort();
  }, [m.latest, filter.service]);

  // The search box settles for 300 ms before it becomes the filter.
  useEffect(() => {
    const t = window.setTimeout(() => filterStore.update((f) => (f.q === qInput ? f : { ...f, q: qInput })), 300);
    return () => window.clearTimeout(t);
  }, [qInput]);

  function clear() {
    feed.clear();
    setSelected(null);
  }

  const set = (patch: Partial<Filter>) => filterStore.update((f) => ({ ...f, ...patch }));
  return (
    <div class="page page-fill" data-testid="page-live-logs">
      <h1>Live logs</h1>
      <div class="toolbar">
        <label>
          Service
          <select value={filter.service} onChange={(e) => set({ service: e.currentTarget.value })} data-testid="filter-service">
            <option value="">all services</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level
          <select value={filter.level} onChange={(e) => set({ level: e.currentTarget.value })} data-testid="filter-level">
            <option value="">all levels</option>
            {levels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
            <option value="warn+">warn and above</option>
            <option value="error+">error and above</option>
          </select>
        </label>
        <label class="grow">
          Search
          <input
            type="search"
            placeholder="text in message"
            value={qInput}
            onInput={(e) => setQInput(e.currentTarget.value)}
            data-testid="filter-q"
          />
        </label>
        <button class={`btn ${paused ? 'btn-primary' : ''}`} onClick={feed.togglePause} data-testid="pause-toggle">
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button class="btn" onClick={clear} data-testid="clear-logs">
          Clear
        </button>
      </div>
      <div class="live-stats" data-testid="live-stats">
        <span data-testid="live-rate">{num(feed.rate)} logs/s received</span>
        <span data-testid="live-buffered">
          {num(total)} / {num(capacity)} rows kept
        </span>
        <span data-testid="live-skipped" class={feed.skipped ? 'tone-warn' : ''}>
          {num(feed.skipped)} logs skipped by rate limit
        </span>
        {paused && <span class="tone-warn" data-testid="live-paused">paused · {num(feed.sincePause)} new rows not shown</span>}
      </div>
      <div class="log-list-wrap">
        <div class="log-head" aria-hidden="true">
          <span>time</span>
          <span>level</span>
          <span>service</span>
          <span class="num">seq</span>
          <span>message</span>
        </div>
        <VirtualList
          class="log-list"
          testid="log-list"
          total={total}
          rowHeight={rowHeight}
          empty={
            <div class="state state-empty" data-testid="logs-empty">
              {paused ? 'Paused with no rows.' : 'Waiting for logs… (rows appear as producers send them'}
              {!paused && (filter.service || filter.level || filter.q ? ' and match the filter)' : ')')}
            </div>
          }
          row={(i, top) => {
            const r = feed.at(i);
            return (
              r && (
                <div
                  key={i}
                  class={`log-row lvl-${r.level} ${selected === r ? 'selected' : ''}`}
                  style={{ top: `${top}px` }}
                  data-testid="log-row"
                  data-level={r.level}
                  data-service={r.service}
                  onClick={() => setSelected(r)}
                >
                  <span class="mono dim">{clock(r.ts)}</span>
                  <span>
                    <Badge value={String(r.level)} />
                  </span>
                  <span class="mono ellipsis">{r.service}</span>
                  <span class="mono num">{r.seq}</span>
                  <span class="ellipsis" title={r.message}>
                    {r.message}
                  </span>
                </div>
              )
            );
          }}
        />
      </div>
      {selected && (
        <Panel
          title={`${selected.service} #${selected.seq}`}
          testid="log-detail"
          actions={
            <button class="btn btn-small" onClick={() => setSelected(null)}>
              Close
            </button>
          }
        >
          <pre class="json">{JSON.stringify(stripArrived(selected), null, 2)}</pre>
        </Panel>
      )}
    </div>
  );
}

function stripArrived(r: Row): LogEntry {
  const { arrived: _arrived, ...entry } = r;
  return entry;
}
