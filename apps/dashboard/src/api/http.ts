// Every REST call of the dashboard (same origin: the backend serves the app and the API on its
// dashboard port; `npm run dev` proxies). Errors become ApiError with the backend's
// {error, detail} when it sent one.
import type { ControlAction, LogEntry, ServiceMetrics, SimEvent, SystemMetrics } from './events';
import { askForToken, token } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(status ? `${status} ${code}: ${detail}` : detail);
  }
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

// `bearer`: the token to send; undefined: this session's (auth.ts), if any.
async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown, signal?: AbortSignal, bearer?: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Every state-changing call is JSON: the backend refuses any other type (415).
  if (body !== undefined) headers['content-type'] = 'application/json';
  const t = bearer === undefined ? token() : bearer;
  if (t) headers.authorization = `Bearer ${t}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'the backend is unreachable');
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const o = (json ?? {}) as { error?: string; detail?: string };
    const err = new ApiError(res.status, o.error ?? res.statusText, o.detail ?? (text.slice(0, 200) || 'request failed'));
    // An admin call without the right token: the sign-in screen says why.
    if (method === 'POST' && (res.status === 401 || (res.status === 403 && o.error === 'forbidden')))
      askForToken(`${res.status === 401 ? 'This action needs the admin token.' : 'The admin token was refused.'} (${err.message})`);
    throw err;
  }
  if (json === undefined) throw new ApiError(res.status, 'bad_response', 'the backend answered without JSON');
  return json as T;
}

export interface ServiceDetail extends ServiceMetrics {
  gaps?: [number, number][];
}

export interface Replay {
  id: number;
  service: string;
  from: number;
  to: number;
  status: 'pending' | 'completed' | 'failed';
  source?: string;
  batchId?: string | null;
  attempts?: number;
  recovered?: number | null;
  lost?: number | null;
  latencyMs?: number | null;
  createdAt?: string;
  completedAt?: string | null;
}

export interface LostRange {
  service: string;
  from: number;
  to: number;
  count: number;
  replayId?: number | null;
  reason?: string;
  recordedAt?: string;
}

// A row Postgres refused for a data reason (GET /dead-letters).
export interface DeadLetter {
  id: number;
  service: string;
  seq: number;
  reason: string;
  entry: LogEntry | null;
  row: string;
  firstSeenAt: number;
  lastSeenAt: number;
  attempts: number;
  resolvedAt: number | null;
}

// How far back stored logs go (docs/PROTOCOL.md, "Retention"): every log ingested before
// keptSince has been removed by retention; null while nothing has been.
export interface Retention {
  period: string; // "7d", "12h", ... or "off"
  keptSince: string | null;
}

export interface LogsPage {
  items: LogEntry[];
  nextCursor: number | string | null;
  retention?: Retention;
}

export interface LogQuery {
  service?: string;
  level?: string; // comma list
  q?: string;
  from?: number; // epoch ms
  to?: number;
  fromSeq?: number;
  toSeq?: number;
  cursor?: number | string;
  limit?: number;
}

export interface AuthStatus {
  tokenRequired: boolean;
  publicRead: boolean;
  admin: boolean; // the token sent (or, without one, this caller) may use admin routes
}

export const api = {
  // With `bearer`, checks that token instead of the session's (the sign-in screen).
  auth: (bearer?: string | null) => request<AuthStatus>('GET', '/auth', undefined, undefined, bearer),
  metrics: (signal?: AbortSignal) => request<SystemMetrics>('GET', '/metrics', undefined, signal),
  services: (signal?: AbortSignal) =>
    request<{ services: ServiceDetail[] }>('GET', '/services', undefined, signal).then((r) => r.services ?? []),
  simEvents: (limit = 100, signal?: AbortSignal) =>
    request<{ events: SimEvent[] }>('GET', withQuery('/sim-events', { limit }), undefined, signal).then((r) => r.events ?? []),
  control: (action: ControlAction, durationMs?: number) =>
    request<{ event: SimEvent }>('POST', '/metrics/control', durationMs ? { action, durationMs } : { action }),
  replays: (q: { status?: string; service?: string; limit?: number }, signal?: AbortSignal) =>
    request<Replay[]>('GET', withQuery('/replays', q), undefined, signal),
  lost: (q: { service?: string; limit?: number }, signal?: AbortSignal) =>
    request<{ items: LostRange[]; nextCursor: number | null }>('GET', withQuery('/lost', q), undefined, signal).then((r) => r.items),
  deadLetters: (q: { service?: string; limit?: number }, signal?: AbortSignal) =>
    request<{ items: DeadLetter[]; unresolved: number }>('GET', withQuery('/dead-letters', q), undefined, signal),
  retryDeadLetters: (service?: string) =>
    request<{ requeued: number; services: number }>('POST', '/dead-letters/retry', service ? { service } : {}),
  logs: (q: LogQuery, signal?: AbortSignal) => request<LogsPage>('GET', withQuery('/logs', { ...q }), undefined, signal),
  replay: (service: string, from: number, to: number) =>
    request<{ id: number; status: string; service: string; from: number; to: number }>('POST', '/replay', { service, from, to }),
};
