// `/logs`: search stored logs (GET /logs), newest first, "older" pages by cursor. The query
// lives in the URL, so a search can be linked and survives a reload.
import { useEffect, useState } from 'preact/hooks';
import { api, type LogQuery, type Retention } from '../../api/http';
import { levels, type LogEntry } from '../../api/events';
import { metrics } from '../../state/live';
import { useStore } from '../../lib/store';
import { navigate, useLocation } from '../../lib/router';
import { Panel, Empty, ErrorNote, Loading } from '../../components/Panel';
import { LogTable } from './LogTable';
import { dateTime, num } from '../../lib/format';

interface Form {
  service: string;
  levels: string[];
  q: string;
  from: string; // datetime-local
  to: string;
  fromSeq: string;
  toSeq: string;
  limit: string;
}

const emptyForm: Form = { service: '', levels: [], q: '', from: '', to: '', fromSeq: '', toSeq: '', limit: '100' };

function formFromSearch(search: string): Form {
  const p = new URLSearchParams(search);
  return {
    service: p.get('service') ?? '',
    levels: (p.get('level') ?? '').split(',').filter(Boolean),
    q: p.get('q') ?? '',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    fromSeq: p.get('fromSeq') ?? '',
    toSeq: p.get('toSeq') ?? '',
    limit: p.get('limit') ?? '100',
  };
}

function searchFromForm(f: Form): string {
  const p = new URLSearchParams();
  const set = (k: string, v: string) => v && p.set(k, v);
  set('service', f.service);
  set('level', f.levels.join(','));
  set('q', f.q);
  set('from', f.from);
  set('to', f.to);
  set('fromSeq', f.fromSeq);
  set('toSeq', f.toSeq);
  if (f.limit !== '100') set('limit', f.limit);
  const s = p.toString();
  return s ? `?${s}` : '';
}

// datetime-local is local time without a zone; the API takes epoch ms.
const localToMs = (v: string) => (v ? new Date(v).getTime() : undefined);
const intOrUndef = (v: string) => (v.trim() === '' ? undefined : Number(v));

function toQuery(f: Form): LogQuery {
  return {
    service: f.service || undefined,
    level: f.levels.join(',') || undefined,
    q: f.q || undefined,
    from: localToMs(f.from),
    to: localToMs(f.to),
    fromSeq: intOrUndef(f.fromSeq),
    toSeq: intOrUndef(f.toSeq),
    limit: Number(f.limit) || 100,
  };
}

interface Results {
  items: LogEntry[];
  nextCursor: number | string | null;
  pages: number;
  retention?: Retention;
}

// What the search can reach: everything, or what retention has not yet removed.
function RetentionNote({ retention }: { retention?: Retention }) {
  if (!retention) return null;
  const text =
    retention.period === 'off'
      ? 'Retention off: every stored log is kept.'
      : retention.keptSince
        ? `Retention ${retention.period}: logs ingested before ${dateTime(retention.keptSince)} have been removed.`
        : `Retention ${retention.period}: nothing removed yet.`;
  return (
    <p class="dim small" data-testid="search-retention">
      {text}
    </p>
  );
}

export function LogsPage() {
  const { search } = useLocation();
  const m = useStore(metrics);
  const [form, setForm] = useState<Form>(() => formFromSearch(search));
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [nonce, setNonce] = useState(0); // bumped to re-run the same query
  const services = (m.latest?.services ?? []).map((s) => s.service).sort();

  // The URL is the query: run it on load and whenever it changes (submit, back button).
  useEffect(() => {
    const f = formFromSearch(search);
    setForm(f);
    const ctl = new AbortController();
    setBusy(true);
    setError(null);
    api
      .logs(toQuery(f), ctl.signal)
      .then((r) => setResults({ items: r.items ?? [], nextCursor: r.nextCursor ?? null, pages: 1, retention: r.retention }))
      .catch((e: unknown) => !ctl.signal.aborted && setError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => !ctl.signal.aborted && setBusy(false));
    return () => ctl.abort();
  }, [search, nonce]);

  function submit(e: Event) {
    e.preventDefault();
    const s = searchFromForm(form);
    if (s === search) setNonce((n) => n + 1);
    else navigate(`/logs${s}`);
  }

  async function older() {
    if (!results?.nextCursor) return;
    setBusy(true);
    try {
      const r = await api.logs({ ...toQuery(formFromSearch(search)), cursor: results.nextCursor });
      setResults({ items: [...results.items, ...(r.items ?? [])], nextCursor: r.nextCursor ?? null, pages: results.pages + 1, retention: r.retention ?? results.retention });
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  }

  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const toggleLevel = (l: string) => set({ levels: form.levels.includes(l) ? form.levels.filter((x) => x !== l) : [...form.levels, l] });

  return (
    <div class="page" data-testid="page-logs">
      <h1>Search stored logs</h1>
      <Panel title="Query" testid="panel-log-query">
        <form class="form form-search" onSubmit={submit} data-testid="log-search-form">
          <label>
            Service
            <input list="log-services" value={form.service} onInput={(e) => set({ service: e.currentTarget.value.trim() })} placeholder="any" data-testid="search-service" />
            <datalist id="log-services">
              {services.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          </label>
          <label class="grow">
            Text in message
            <input type="search" value={form.q} onInput={(e) => set({ q: e.currentTarget.value })} placeholder="case-insensitive" data-testid="search-q" />
          </label>
          <fieldset class="levels">
            <legend>Level</legend>
            {levels.map((l) => (
              <label key={l} class="check">
                <input type="checkbox" checked={form.levels.includes(l)} onChange={() => toggleLevel(l)} data-testid={`search-level-${l}`} />
                {l}
              </label>
            ))}
          </fieldset>
          <label>
            From time
            <input type="datetime-local" step={1} value={form.from} onInput={(e) => set({ from: e.currentTarget.value })} data-testid="search-from" />
          </label>
          <label>
            To time
            <input type="datetime-local" step={1} value={form.to} onInput={(e) => set({ to: e.currentTarget.value })} data-testid="search-to" />
          </label>
          <label>
            From seq
            <input type="number" min={1} value={form.fromSeq} onInput={(e) => set({ fromSeq: e.currentTarget.value })} data-testid="search-from-seq" />
          </label>
          <label>
            To seq
            <input type="number" min={1} value={form.toSeq} onInput={(e) => set({ toSeq: e.currentTarget.value })} data-testid="search-to-seq" />
          </label>
          <label>
            Page size
            <select value={form.limit} onChange={(e) => set({ limit: e.currentTarget.value })} data-testid="search-limit">
              {['50', '100', '250', '500', '1000'].map((n) => (
                <option key={n} value={n}>
                  {n} logs
                </option>
              ))}
            </select>
          </label>
          <div class="form-buttons">
            <button class="btn btn-primary" type="submit" disabled={busy} data-testid="search-submit">
              Search
            </button>
            <button class="btn" type="button" onClick={() => setForm(emptyForm)} data-testid="search-reset">
              Clear
            </button>
          </div>
        </form>
      </Panel>
      <Panel
        title="Results"
        testid="panel-log-results"
        actions={results && <span class="dim small" data-testid="search-count">{num(results.items.length)} logs{results.nextCursor ? ', more available' : ''}</span>}
      >
        <RetentionNote retention={results?.retention} />
        {error && <ErrorNote error={error} what="logs" />}
        {!results && busy && <Loading what="logs" />}
        {results && results.items.length === 0 && <Empty testid="search-empty">No stored log matches this query.</Empty>}
        {results && results.items.length > 0 && <LogTable items={results.items} />}
        {results?.nextCursor && (
          <div class="more">
            <button class="btn" onClick={older} disabled={busy} data-testid="search-older">
              {busy ? 'Loading…' : 'Older logs'}
            </button>
          </div>
        )}
      </Panel>
    </div>
  );
}
