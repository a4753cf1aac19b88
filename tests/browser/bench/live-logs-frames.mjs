// Frame time of /live-logs under load: posts RATE logs/s to the backend for SECONDS while
// headless Chromium shows /live-logs, and reports the page's frame intervals (requestAnimation-
// Frame deltas), long tasks, rows received and JS heap at start and end.
// Not part of the test suite; run against a running stack:
//   TRACEHUB_DASHBOARD_URL=http://127.0.0.1:3000 TRACEHUB_API_URL=http://127.0.0.1:3001 \
//     RATE=20000 SECONDS=30 node tests/browser/bench/live-logs-frames.mjs
import { launch, openPage, dashboardUrl, apiUrl, sel, waitConnected } from '../lib.mjs';

const rate = Number(process.env.RATE ?? 20000);
const seconds = Number(process.env.SECONDS ?? 30);
const services = ['bench-a', 'bench-b', 'bench-c', 'bench-d'].map((s) => `${s}-${Date.now().toString(36)}`);
const batchSize = 500;

async function load(stopAt) {
  const seq = new Map(services.map((s) => [s, 0]));
  let sent = 0;
  let failed = 0;
  const t0 = Date.now();
  let i = 0;
  const inflight = new Set();
  while (Date.now() < stopAt) {
    // Stay on schedule: the number of logs due by now.
    const due = ((Date.now() - t0) / 1000) * rate;
    if (sent >= due || inflight.size >= 16) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    const service = services[i++ % services.length];
    const first = seq.get(service) + 1;
    seq.set(service, first + batchSize - 1);
    const batch = Array.from({ length: batchSize }, (_, k) => ({
      seq: first + k,
      level: k % 50 === 0 ? 'error' : 'info',
      message: `bench row ${first + k} route=/api/v1/items/${k % 100}`,
    }));
    sent += batchSize;
    const p = fetch(`${apiUrl}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service, batch }) })
      .then((r) => (r.ok ? r.arrayBuffer() : ((failed += batchSize), r.arrayBuffer())))
      .catch(() => (failed += batchSize))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  return { sent, failed, seconds: (Date.now() - t0) / 1000 };
}

const browser = await launch();
const { page, errors, close } = await openPage(browser);
await page.goto(`${dashboardUrl}/live-logs`);
await waitConnected(page);
await page.evaluate(() => {
  const w = window;
  w.__frames = [];
  w.__long = 0;
  let last = performance.now();
  const tick = (t) => {
    w.__frames.push(t - last);
    last = t;
    w.__raf = requestAnimationFrame(tick);
  };
  w.__raf = requestAnimationFrame(tick);
  new PerformanceObserver((l) => (w.__long += l.getEntries().length)).observe({ type: 'longtask', buffered: false });
  w.__heap0 = performance.memory?.usedJSHeapSize ?? null;
});
const sent = await load(Date.now() + seconds * 1000);
const result = await page.evaluate(() => {
  const w = window;
  cancelAnimationFrame(w.__raf);
  const f = w.__frames.slice(5).sort((a, b) => a - b);
  const q = (p) => f[Math.min(f.length - 1, Math.floor(p * f.length))];
  return {
    frames: f.length,
    frameMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: f[f.length - 1] },
    longTasks: w.__long,
    heapMB: { start: w.__heap0 / 1e6, end: (performance.memory?.usedJSHeapSize ?? 0) / 1e6 },
  };
});
const stats = await page.locator(sel('live-stats')).textContent();
console.log(JSON.stringify({ rate, seconds, ingest: sent, page: result, liveStats: stats, errors }, null, 2));
await close();
await browser.close();
