// A time-series line chart (uPlot on canvas) that does not jitter: the x axis is a fixed
// window ending at the newest sample, and the y axis only grows with headroom (it shrinks
// when the data has fallen well below it), so new samples move lines, not axes.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { clock } from '../lib/format';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

interface Props {
  times: number[]; // epoch ms, ascending
  series: ChartSeries[];
  windowMs: number;
  unit: string; // y axis unit, e.g. "logs/s"
  height?: number;
  minYMax?: number; // the y axis never shows less than 0..minYMax
  testid?: string;
  format?: (v: number) => string; // legend value
}

// 0 -> minYMax; otherwise the next "nice" number (1, 2, 5 x 10^n) above max * 1.25.
function niceCeil(max: number, minYMax: number): number {
  const target = Math.max(minYMax, max * 1.25);
  const p = Math.pow(10, Math.floor(Math.log10(target)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= target) return m * p;
  return 10 * p;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

// Canvas strokes take no CSS variables either: "var(--x)" becomes its value.
function resolveColor(c: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(c);
  return m ? cssVar(m[1]!, '#888') : c;
}

export function TimeChart({ times, series, windowMs, unit, height = 220, minYMax = 10, testid, format }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const yMax = useRef(minYMax);
  const xRange = useRef<[number, number]>([0, 1]);

  const last = times.length ? times[times.length - 1]! : Date.now();
  const dataMax = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => typeof v === 'number')));
  // Grow at once; shrink only when everything is under a third of the axis.
  if (dataMax > yMax.current * 0.95 || dataMax < yMax.current / 3) yMax.current = niceCeil(dataMax, minYMax);
  xRange.current = [(last - windowMs) / 1000, last / 1000];

  const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = cssVar('--text-dim', '#8b98a5');
    const grid = cssVar('--grid', '#24303b');
    // Canvas fonts take no CSS variables: resolve them here.
    const mono = `11px ${cssVar('--font-mono', 'monospace')}`;
    const sans = `11px ${cssVar('--font-sans', 'sans-serif')}`;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      padding: [8, 28, 0, 0], // room for the last time label at the right edge
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => xRange.current },
        y: { range: () => [0, yMax.current] },
      },
      axes: [
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          font: mono,
          space: 72, // px between time labels: no overlap on a phone
          // 24-hour wall clock on one line; seconds only when the ticks are that close.
          values: (_u, splits) => {
            const step = splits.length > 1 ? splits[1]! - splits[0]! : 0;
            return splits.map((s) => clock(s * 1000, false).slice(0, step >= 60 ? 5 : 8));
          },
        },
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          size: 56,
          font: mono,
          label: unit,
          labelSize: 16,
          labelFont: sans,
          values: (_u, vals) => vals.map((v) => (v >= 10000 ? `${v / 1000}k` : String(v))),
        },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: resolveColor(s.color), width: 1.75, points: { show: false } }))],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // One chart per series layout; data updates below.
  }, [series.length, height, unit]);

  useEffect(() => {
    plot.current?.setData(data, true);
  });

  return (
    <div class="chart" data-testid={testid}>
      <div class="chart-legend">
        {series.map((s) => {
          const v = s.values.length ? s.values[s.values.length - 1] : null;
          return (
            <span class="chart-legend-item" key={s.label}>
              <i style={{ background: s.color }} />
              {s.label}
              <b>{typeof v === 'number' ? (format ? format(v) : `${v} ${unit}`) : '—'}</b>
            </span>
          );
        })}
      </div>
      <div ref={box} class="chart-canvas" style={{ height: `${height}px` }} />
    </div>
  );
}
