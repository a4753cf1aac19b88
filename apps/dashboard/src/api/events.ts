// Every Socket.IO event and payload the backend sends (docs/PROTOCOL.md, "Events"), typed once.
// Fields the backend may not send yet are optional; pages render "—" for them.

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const levels: readonly Level[] = ['debug', 'info', 'warn', 'error', 'fatal'];

export type UpDown = 'up' | 'down';
export type ServiceStatus = 'healthy' | 'gapping' | 'stale';
export type ControlAction = 'crash_worker' | 'drop_network' | 'delay_ack' | 'flush_queue' | 'reset';

export interface ReplayCounts {
  pending: number;
  completed: number;
  failed: number;
}

export interface ServiceMetrics {
  service: string;
  eps?: number;
  errorRate?: number; // 0..1
  ackTill?: number;
  contiguousTill?: number;
  missing?: number;
  bufferDepth?: number;
  bufferFull?: boolean; // the producer stopped producing at its --max-buffer
  heldBack?: number; // logs it did not produce meanwhile
  sequenceReused?: number; // batches refused: their producerId does not own their seqs
  replays?: ReplayCounts;
  lost?: number;
  deadLetters?: number; // rows Postgres refused, not yet stored by a retry
  deadLettersTotal?: number;
  status?: ServiceStatus;
  lastAckAt?: number | string | null;
}

export interface WorkerInfo {
  id: string | number;
  state: UpDown;
  lastSeenMs?: number;
  restarts?: number;
  local?: boolean; // runs in the process that answered
  reason?: string; // while down after a crash
  downSince?: number;
  recoversAt?: number; // when the supervisor brings it back (epoch ms)
}

export interface Fault {
  action: ControlAction | string;
  since?: number;
  until?: number;
  share?: number;
  delayMs?: number;
}

export interface SystemMetrics {
  ts: number;
  windowMs?: number;
  ingest?: {
    eps?: number;
    errorRate?: number;
    logsTotal?: number;
    batchesTotal?: number;
    duplicatesTotal?: number;
    rejectedTotal?: number;
    droppedTotal?: number;
  };
  insert?: { eps?: number; rowsTotal?: number };
  ackLatencyMs?: { p50?: number; p95?: number; p99?: number; count?: number };
  queue?: { logs?: number; retry?: number; pending?: number };
  workers?: WorkerInfo[];
  services?: ServiceMetrics[];
  replays?: ReplayCounts;
  lost?: number;
  deadLetters?: number;
  postgres?: UpDown;
  redis?: UpDown;
  faults?: Fault[];
  realtime?: { clients?: number; framesDropped?: number; logsSkipped?: number };
}

// A stored log as log:new carries it (queue/copy_row.h); GET /logs items add `id`.
export interface LogEntry {
  id?: number | string;
  service: string;
  seq: number;
  level: Level | string;
  message: string;
  requestId?: string | null;
  ts: string | number;
  attrs?: Record<string, unknown> | null;
}

export interface AckSent {
  service: string;
  ackTill: number;
  missing: number[];
  missingTotal?: number;
}

export interface ReplayCompleted {
  service: string;
  count: number;
  latencyMs: number;
  id?: number;
  [extra: string]: unknown;
}

export interface WorkerCrashed {
  workerId: string | number;
  reason?: string;
  ts: number;
}

export interface WorkerRecovered {
  workerId: string | number;
  ts: number;
  downMs?: number;
}

export interface SimEvent {
  id?: number | string;
  action: ControlAction | string;
  params?: Record<string, unknown> | null;
  ts: number | string;
  until?: number | string | null;
}

// The subscribe filter (server-side filtering of log:new); empty fields match everything.
export interface LogFilter {
  service?: string;
  level?: string | string[];
  q?: string;
}

export interface ServerToClientEvents {
  'metrics:snapshot': (m: SystemMetrics) => void;
  'log:new': (e: LogEntry) => void;
  'log:skipped': (p: { count: number }) => void;
  'ack:sent': (a: AckSent) => void;
  'replay:completed': (r: ReplayCompleted) => void;
  'worker:crashed': (w: WorkerCrashed) => void;
  'worker:recovered': (w: WorkerRecovered) => void;
  'sim:control': (e: SimEvent) => void;
}

export interface ClientToServerEvents {
  subscribe: (filter: LogFilter | null) => void;
}
