// Numbers with their units, and times, formatted one way across the app. Missing values are "—".
const dash = '—';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function num(v: number | null | undefined, digits = 0): string {
  if (!isNum(v)) return dash;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

// 12345 -> "12.3k": for rates and counts in tight places.
export function compact(v: number | null | undefined): string {
  if (!isNum(v)) return dash;
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return num(v, a < 10 && !Number.isInteger(v) ? 1 : 0);
}

export const eps = (v: number | null | undefined) => (isNum(v) ? `${compact(v)} logs/s` : dash);
export const ms = (v: number | null | undefined) => (isNum(v) ? `${num(v, v < 10 ? 1 : 0)} ms` : dash);
export const entries = (v: number | null | undefined) => (isNum(v) ? `${num(v)} entries` : dash);
export const pct = (share: number | null | undefined) => (isNum(share) ? `${num(share * 100, 1)} %` : dash);
export const count = (v: number | null | undefined, unit: string) => (isNum(v) ? `${num(v)} ${unit}` : dash);

export function toDate(t: number | string | null | undefined): Date | null {
  if (t === null || t === undefined || t === '') return null;
  const d = typeof t === 'number' ? new Date(t) : new Date(/^\d+$/.test(t) ? Number(t) : t);
  return Number.isNaN(d.getTime()) ? null : d;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// Local wall-clock time with milliseconds: 14:03:07.123
export function clock(t: number | string | null | undefined, millis = true): string {
  const d = toDate(t);
  if (!d) return dash;
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

export function dateTime(t: number | string | null | undefined): string {
  const d = toDate(t);
  if (!d) return dash;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(d.getTime(), false)}`;
}

// 1500 -> "1.5 s", 90000 -> "1 min 30 s"
export function duration(msValue: number | null | undefined): string {
  if (!isNum(msValue)) return dash;
  if (msValue < 1000) return `${Math.round(msValue)} ms`;
  const s = msValue / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function ago(t: number | string | null | undefined, now = Date.now()): string {
  const d = toDate(t);
  if (!d) return dash;
  return `${duration(Math.max(0, now - d.getTime()))} ago`;
}
