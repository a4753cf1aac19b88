// The live-logs feed behind `/live-logs`: log:new arrivals go to a pending list and are folded
// into a bounded ring once per animation frame (one render per frame, however fast they come);
// the filter is sent to the server (`subscribe`) and applied to the rows already kept; pause
// freezes what is shown while the ring goes on filling.
import { useEffect, useRef, useState } from 'preact/hooks';
import { setLogFilter, useSocketEvent } from '../../api/socket';
import type { LogEntry, LogFilter } from '../../api/events';
import { Ring } from '../../lib/ring';

export const capacity = 5000;

export interface Filter {
  service: string;
  level: string; // '' | a level | 'warn+' | 'error+'
  q: string;
}

export type Row = LogEntry & { arrived: number };

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

export interface LiveLogs {
  total: number; // rows shown
  at: (i: number) => Row | undefined; // the i-th newest row shown
  rate: number; // log:new received in the last second
  skipped: number; // log:new the server did not send (log:skipped)
  paused: boolean;
  sincePause: number; // rows arrived since the pause, not shown
  togglePause: () => void;
  clear: () => void;
}

export function useLiveLogs(filter: Filter): LiveLogs {
  const [paused, setPaused] = useState(false);
  const [, setVersion] = useState(0);
  const [rate, setRate] = useState(0);

  const ring = useRef(new Ring<Row>(capacity));
  const pending = useRef<Row[]>([]);
  const frame = useRef(0);
  const received = useRef(0);
  const skipped = useRef(0);
  const frozen = useRef<Row[] | null>(null); // the rows shown while paused
  const sincePause = useRef(0);
  const matches = useRef(matcher(filter));

  // Server-side filter: sent now and after every reconnect (api/socket.ts).
  useEffect(() => {
    matches.current = matcher(filter);
    setLogFilter(toSubscribe(filter));
    ring.current.retain(matches.current);
    pending.current = pending.current.filter(matches.current);
    setVersion((v) => v + 1);
  }, [filter]);

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
    setVersion((v) => v + 1);
  }

  const rows = frozen.current;
  return {
    total: rows ? rows.length : ring.current.size,
    at: (i) => (rows ? rows[i] : ring.current.at(i)),
    rate,
    skipped: skipped.current,
    paused,
    sincePause: sincePause.current,
    togglePause,
    clear,
  };
}
