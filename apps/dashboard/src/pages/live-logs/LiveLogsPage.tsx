// `/live-logs`: every log:new as a row, newest first. Built to stay smooth at full rate:
// arrivals go to a pending list and are folded into a bounded ring once per animation frame,
// and only the rows in view exist in the DOM. Filters are sent to the server (`subscribe`)
// and applied to the rows already shown.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { setLogFilter, useSocketEvent } from '../../api/socket';
import { levels, type LogEntry, type LogFilter } from '../../api/events';
import { metrics } from '../../state/live';
import { useStore, Store } from '../../lib/store';
import { Ring } from '../../lib/ring';
import { clock, num } from '../../lib/format';
import { Badge } from '../../components/Badge';
import { Panel } from '../../components/Panel';

const capacity = 5000;
const rowHeight = 26;
const overscan = 10;

interface Filter {
  service: string;
  level: string; // '' | a level | 'warn+' | 'error+'
  q: string;
}

// Kept across page visits.
const filterStore = new Store<Filter>({ service: '', level: '', q: '' });

function levelList(level: string): string[] {
  if (level === 'warn+') return ['warn', 'error', 'fatal'];
  if (level === 'error+') return ['error', 'fatal'];
  return level ? [level] : [];
}

function toSubscribe(f: Filter): LogFilter {
  const l = levelList(f.level);
  return { service: f.service, level: l.length > 1 ? l : (l[0] ?? ''), q: f.q };
}

function matcher(f: Filter): (e: LogEntry) => boolean {
  const lv = levelList(f.level);
  const q = f.q.toLowerCase();
  return (e) =>
    (!f.service || e.service === f.service) &&
    (lv.length === 0 || lv.includes(String(e.level))) &&
    (!q || String(e.message).toLowerCase().includes(q));
}

type Row = LogEntry & { arrived: number };

export function LiveLogsPage() {
  const filter = useStore(filterStore);
  const [qInput, setQInput] = useState(filter.q);
  const [paused, setPaused] = useState(false);
  const [, setVersion] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(600);
  const [selected, setSelected] = useState<Row | null>(null);
  const [rate, setRate] = useState(0);

  const ring = useRef(new Ring<Row>(capacity));
  const pending = useRef<Row[]>([]);
  const frame = useRef(0);
  const received = useRef(0);
  const skipped = useRef(0);
  const frozen = useRef<Row[] | null>(null); // the rows shown while paused
  const sincePause = useRef(0);
  const matches = useRef(matcher(filter));
  const list = useRef<HTMLDivElement>(null);

  const m = useStore(metrics);
  const services = useMemo(() => {
    const s = new Set((m.latest?.services ?? []).map((x) => x.service));
    if (filter.service) s.add(filter.service);
    return [...s].sort();
  }, [m.latest, filter.service]);

  // Server-side filter: sent now and after every reconnect (api/socket.ts).
  useEffect(() => {
    matches.current = matcher(filter);
    setLogFilter(toSubscribe(filter));
    ring.current.retain(matches.current);
    pending.current = pending.current.filter(matches.current);
    setVersion((v) => v + 1);
  }, [filter]);

  // The search box settles for 300 ms before it becomes the filter.
  useEffect(() => {
    const t = window.setTimeout(() => filterStore.update((f) => (f.q === qInput ? f : { ...f, q: qInput })), 300);
    return () => window.clearTimeout(t);
  }, [qInput]);

  useEffect(() => {
    const t = window.setInterval(() => {
      setRate(received.current);
      received.current = 0;
    }, 1000);
    return () => {
      window.clearInterval(t);
      cancelAnimationFrame(frame.current);
    };
  }, []);

  useEffect(() => {
    const el = list.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  function flush() {
    frame.current = 0;
    const batch = pending.current;
    pending.current = [];
    for (const r of batch) ring.current.push(r);
    if (frozen.current) sincePause.current += batch.length;
    setVersion((v) => v + 1);
  }

  useSocketEvent('log:new', (e) => {
    received.current += 1;
    if (!matches.current(e)) return; // sent before the server applied a new filter
    const p = pending.current;
    p.push({ ...e, arrived: Date.now() });
    if (p.length > capacity) p.splice(0, p.length - capacity);
    if (!frame.current) frame.current = requestAnimationFrame(flush);
  });
  useSocketEvent('log:skipped', (s) => {
    skipped.current += typeof s?.count === 'number' ? s.count : 0;
  });

  function togglePause() {
    if (paused) {
      frozen.current = null;
      sincePause.current = 0;
    } else {
      frozen.current = ring.current.toArray();
    }
    setPaused(!paused);
  }

  function clear() {
    ring.current.clear();
    pending.current = [];
    if (frozen.current) frozen.current = [];
    skipped.current = 0;
    setSelected(null);
    setVersion((v) => v + 1);
  }

  const rows = frozen.current;
  const total = rows ? rows.length : ring.current.size;
  const at = (i: number) => (rows ? rows[i] : ring.current.at(i));
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  const visible: { i: number; r: Row }[] = [];
  for (let i = first; i < last; i++) {
    const r = at(i);
    if (r) visible.push({ i, r });
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
        <button class={`btn ${paused ? 'btn-primary' : ''}`} onClick={togglePause} data-testid="pause-toggle">
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button class="btn" onClick={clear} data-testid="clear-logs">
          Clear
        </button>
      </div>
      <div class="live-stats" data-testid="live-stats">
        <span data-testid="live-rate">{num(rate)} logs/s received</span>
        <span data-testid="live-buffered">
          {num(total)} / {num(capacity)} rows kept
        </span>
        <span data-testid="live-skipped" class={skipped.current ? 'tone-warn' : ''}>
          {num(skipped.current)} logs skipped by rate limit
        </span>
        {paused && <span class="tone-warn" data-testid="live-paused">paused · {num(sincePause.current)} new rows not shown</span>}
      </div>
      <div class="log-list-wrap">
        <div class="log-head" aria-hidden="true">
          <span>time</span>
          <span>level</span>
          <span>service</span>
          <span class="num">seq</span>
          <span>message</span>
        </div>
        <div
          class="log-list"
          ref={list}
          data-testid="log-list"
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          role="log"
          aria-live="off"
        >
          {total === 0 ? (
            <div class="state state-empty" data-testid="logs-empty">
              {paused ? 'Paused with no rows.' : 'Waiting for logs… (rows appear as producers send them'}
              {!paused && (filter.service || filter.level || filter.q ? ' and match the filter)' : ')')}
            </div>
          ) : (
            <div style={{ height: `${total * rowHeight}px`, position: 'relative' }}>
              {visible.map(({ i, r }) => (
                <div
                  key={i}
                  class={`log-row lvl-${r.level} ${selected === r ? 'selected' : ''}`}
                  style={{ top: `${i * rowHeight}px` }}
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
              ))}
            </div>
          )}
        </div>
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
