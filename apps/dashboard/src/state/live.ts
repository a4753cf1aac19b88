// App-wide live state, fed by the socket from start-up so that a page opened later still has
// the last five minutes of snapshots and the recent events. Every collection is bounded.
import { socket } from '../api/socket';
import { api } from '../api/http';
import { Store } from '../lib/store';
import type { ReplayCompleted, SimEvent, SystemMetrics, WorkerCrashed, WorkerRecovered } from '../api/events';

export const historyWindowMs = 5 * 60 * 1000;
const maxSnapshots = 400; // 5 min at one every 2 s is 150; headroom for faster snapshots

export interface MetricsState {
  latest: SystemMetrics | null;
  history: SystemMetrics[]; // oldest first, within historyWindowMs of the newest
  receivedAt: number; // when `latest` arrived (ms, local clock)
}

export const metrics = new Store<MetricsState>({ latest: null, history: [], receivedAt: 0 });

function addSnapshot(m: SystemMetrics): void {
  if (!m || typeof m.ts !== 'number') return;
  metrics.update((s) => {
    const last = s.history[s.history.length - 1];
    if (last && last.ts >= m.ts) return { ...s, latest: m, receivedAt: Date.now() };
    const cutoff = m.ts - historyWindowMs;
    let history = s.history.filter((h) => h.ts >= cutoff);
    history.push(m);
    if (history.length > maxSnapshots) history = history.slice(history.length - maxSnapshots);
    return { latest: m, history, receivedAt: Date.now() };
  });
}

socket.on('metrics:snapshot', addSnapshot);
// The first snapshot without waiting up to 2 s for the broadcast.
api
  .metrics()
  .then(addSnapshot)
  .catch(() => {
    // the socket's snapshots take over; the banner shows a disconnected backend
  });

// Worker crash/recovery as the events report it, ahead of the next snapshot.
export interface WorkerEvent {
  kind: 'crashed' | 'recovered';
  workerId: string;
  ts: number;
  reason?: string;
  downMs?: number;
}
export const workerEvents = new Store<WorkerEvent[]>([]);
const maxEvents = 200;

function pushBounded<T>(s: Store<T[]>, item: T): void {
  s.update((list) => [item, ...list].slice(0, maxEvents));
}

socket.on('worker:crashed', (w: WorkerCrashed) =>
  pushBounded(workerEvents, { kind: 'crashed', workerId: String(w.workerId), ts: w.ts ?? Date.now(), reason: w.reason }),
);
socket.on('worker:recovered', (w: WorkerRecovered) =>
  pushBounded(workerEvents, { kind: 'recovered', workerId: String(w.workerId), ts: w.ts ?? Date.now(), downMs: w.downMs }),
);

// sim:control as it arrives (the queue page merges it with GET /sim-events).
export const simEvents = new Store<SimEvent[]>([]);
socket.on('sim:control', (e: SimEvent) => pushBounded(simEvents, e));

// replay:completed, newest first, with the local time it arrived.
export const replayFeed = new Store<(ReplayCompleted & { receivedAt: number })[]>([]);
socket.on('replay:completed', (r: ReplayCompleted) => pushBounded(replayFeed, { ...r, receivedAt: Date.now() }));

// A worker's current state: a crash event newer than the snapshot wins until it recovers.
export function workerState(id: string, snapshotState: string | undefined, snapshotTs: number, events: WorkerEvent[]): string {
  const last = events.find((e) => e.workerId === id);
  if (last && last.ts > snapshotTs) return last.kind === 'crashed' ? 'down' : 'up';
  return snapshotState ?? 'unknown';
}
