// bench/fanout/fanout.mjs — the real-time channel's cost (SPEC §4), against a running backend
// that the simulator is feeding (bench/fanout/run.sh starts both; see BENCHMARKS.md).
//
//   1. snapshot size: the bytes of GET /metrics and of the metrics:snapshot frames a client
//      receives (the whole WebSocket message, `42["metrics:snapshot",{...}]`).
//   2. fan-out cost: the backend's CPU time per second of wall time (utime+stime of
//      /proc/<pid>/stat) in alternating phases with 0 and with N connected clients (each
//      subscribed to every log:new with `subscribe {}`, so it also gets metrics:snapshot and
//      ack:sent), and the ratio of the means against the 0-client phases of the same run.
//
// Every figure printed is measured here; nothing is estimated.
//
// Usage: node fanout.mjs --url http://127.0.0.1:PORT --pid BACKEND_PID [--sim-pid PID]
//          [--clients 200] [--phase-seconds 20] [--rounds 2] [--settle-seconds 3] [--json FILE]
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    pid: { type: "string" },
    "sim-pid": { type: "string" },
    clients: { type: "string", default: "200" },
    "phase-seconds": { type: "string", default: "20" },
    rounds: { type: "string", default: "2" },
    "settle-seconds": { type: "string", default: "3" },
    json: { type: "string" },
  },
});
if (!args.url || !args.pid) {
  console.error("usage: node fanout.mjs --url http://127.0.0.1:PORT --pid BACKEND_PID [...]");
  process.exit(2);
}
const URL_ = args.url.replace(/\/$/, "");
const PID = Number(args.pid);
const SIM_PID = args["sim-pid"] ? Number(args["sim-pid"]) : null;
const N = Number(args.clients);
const PHASE_S = Number(args["phase-seconds"]);
const ROUNDS = Number(args.rounds);
const SETTLE_S = Number(args["settle-seconds"]);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[fanout ${new Date().toISOString().slice(11, 19)}]`, ...a);
const utf8 = (s) => Buffer.byteLength(s, "utf8");
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

// ---- /proc ---------------------------------------------------------------------------------

// utime+stime of a process, in seconds.
function procCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15
}

// utime+stime of each thread of a process, by "name/tid", in seconds.
function threadCpu(pid) {
  const out = {};
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out[`${name}/${tid}`] = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  }
  return out;
}

// Busy and total jiffies of the whole machine.
function machineCpu() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] || 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);

// ---- GET /metrics --------------------------------------------------------------------------

const metricsSizes = [];
async function getMetrics() {
  const res = await fetch(`${URL_}/metrics`);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`);
  metricsSizes.push(utf8(text));
  return JSON.parse(text);
}

// ---- Socket.IO clients ---------------------------------------------------------------------

const snapshotFrames = []; // bytes of whole metrics:snapshot messages (probe client only)
let snapshotServices = 0;

class Client {
  constructor(i, { captureFrames = false } = {}) {
    this.i = i;
    this.counts = new Map();
    this.disconnects = [];
    this.socket = io(URL_, {
      transports: ["websocket"],
      forceNew: true, // one WebSocket per client, no multiplexing
      reconnection: false, // a dropped client shows up as a disconnect, not a silent retry
      timeout: 20_000,
    });
    this.socket.onAny((event) => this.counts.set(event, (this.counts.get(event) || 0) + 1));
    this.socket.on("disconnect", (reason) => {
      if (!this.closing) this.disconnects.push(reason);
    });
    if (captureFrames) {
      // The engine's packets: data is the Socket.IO packet; the WebSocket message is "4" + data.
      this.socket.io.on("open", () =>
        this.socket.io.engine.on("packet", (p) => {
          if (p.type === "message" && typeof p.data === "string" && p.data.startsWith('2["metrics:snapshot"')) {
            snapshotFrames.push(1 + utf8(p.data));
          }
        }),
      );
      this.socket.on("metrics:snapshot", (m) => {
        snapshotServices = Array.isArray(m?.services) ? m.services.length : 0;
      });
    }
  }

  // Resolves once connected and the subscribe {} (every log:new) is acknowledged.
  ready() {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`client ${this.i}: not ready in 30 s`)), 30_000);
      const subscribe = () =>
        this.socket.emit("subscribe", {}, (ans) => {
          clearTimeout(t);
          if (ans && ans.ok) resolve();
          else reject(new Error(`client ${this.i}: subscribe refused: ${JSON.stringify(ans)}`));
        });
      if (this.socket.connected) subscribe();
      else this.socket.once("connect", subscribe);
      this.socket.once("connect_error", (e) => {
        clearTimeout(t);
        reject(new Error(`client ${this.i}: connect_error ${e.message}`));
      });
    });
  }

  resetCounts() {
    this.counts = new Map();
  }

  close() {
    this.closing = true;
    this.socket.disconnect();
  }
}

async function connectAll(n, opts = {}) {
  const clients = [];
  // In groups of 20 so that the handshakes do not all land in the same instant.
  for (let i = 0; i < n; i += 20) {
    const group = [];
    for (let j = i; j < Math.min(n, i + 20); j++) {
      const c = new Client(j, { captureFrames: opts.captureFirst && j === 0 });
      clients.push(c);
      group.push(c.ready());
    }
    await Promise.all(group);
  }
  return clients;
}

async function waitServerClients(want, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = await getMetrics();
    const have = m.realtime?.clients;
    if (have === undefined || have === want) return have;
    if (Date.now() > until) throw new Error(`server reports ${have} clients, expected ${want}`);
    await sleep(250);
  }
}

// ---- one measured window -------------------------------------------------------------------

async function measure(label, clients) {
  const m0 = await getMetrics();
  clients.forEach((c) => c.resetCounts());
  const disc0 = clients.reduce((a, c) => a + c.disconnects.length, 0);
  const t0 = process.hrtime.bigint();
  const cpu0 = procCpu(PID);
  const th0 = threadCpu(PID);
  const sim0 = SIM_PID ? procCpu(SIM_PID) : 0;
  const drv0 = process.cpuUsage();
  const mc0 = machineCpu();
  const la0 = loadavg();

  await sleep(PHASE_S * 1000);

  const cpu1 = procCpu(PID);
  const th1 = threadCpu(PID);
  const sim1 = SIM_PID ? procCpu(SIM_PID) : 0;
  const drv1 = process.cpuUsage(drv0);
  const mc1 = machineCpu();
  const t1 = process.hrtime.bigint();
  const la1 = loadavg();
  const m1 = await getMetrics();
  const wall = Number(t1 - t0) / 1e9;

  // Per-client received events per second, by event name.
  const perClient = {};
  const names = new Set(clients.flatMap((c) => [...c.counts.keys()]));
  for (const name of names) {
    const rates = clients.map((c) => (c.counts.get(name) || 0) / wall);
    perClient[name] = { mean: mean(rates), min: Math.min(...rates), max: Math.max(...rates) };
  }
  const totals = clients.map((c) => [...c.counts.values()].reduce((a, b) => a + b, 0) / wall);
  const rt0 = m0.realtime || {};
  const rt1 = m1.realtime || {};
  const delta = (k) => (k in rt0 && k in rt1 ? (rt1[k] - rt0[k]) / wall : null);
  return {
    label,
    clients: clients.length,
    serverClients: rt1.clients ?? null,
    wallS: wall,
    backendCpuMsPerS: ((cpu1 - cpu0) * 1000) / wall,
    // Per thread; threads that started or ended inside the window count from 0 / to 0.
    backendThreadsMsPerS: Object.fromEntries(
      [...new Set([...Object.keys(th0), ...Object.keys(th1)])]
        .map((n) => [n, (((th1[n] || 0) - (th0[n] || 0)) * 1000) / wall])
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1]),
    ),
    simCpuMsPerS: SIM_PID ? ((sim1 - sim0) * 1000) / wall : null,
    driverCpuMsPerS: (drv1.user + drv1.system) / 1000 / wall,
    machineBusyCores: ((mc1.busy - mc0.busy) / (mc1.total - mc0.total)) * (machineCoresCount()),
    loadavg1: [la0[0], la1[0]],
    ingestLogsPerS: (m1.ingest.logsTotal - m0.ingest.logsTotal) / wall,
    ingestBatchesPerS: (m1.ingest.batchesTotal - m0.ingest.batchesTotal) / wall,
    insertRowsPerS: (m1.insert.rowsTotal - m0.insert.rowsTotal) / wall,
    queueLogsEnd: m1.queue?.logs ?? null,
    replaysCompletedPerS: m0.replays && m1.replays ? (m1.replays.completed - m0.replays.completed) / wall : null,
    replaysPendingEnd: m1.replays?.pending ?? null,
    lostEnd: m1.lost ?? null,
    servicesEnd: (m1.services || []).map((s) => ({ service: s.service, status: s.status, missing: s.missing, lost: s.lost })),
    realtimeKeys: Object.keys(rt1),
    framesSentPerS: delta("framesSent"),
    framesDroppedPerS: delta("framesDropped"),
    logsSkippedPerS: delta("logsSkipped"),
    perClientEventsPerS: perClient,
    perClientTotalPerS: clients.length ? { mean: mean(totals), min: Math.min(...totals), max: Math.max(...totals) } : null,
    clientReceivedPerS: totals.reduce((a, b) => a + b, 0),
    disconnects: clients.reduce((a, c) => a + c.disconnects.length, 0) - disc0,
    disconnectReasons: [...new Set(clients.flatMap((c) => c.disconnects))],
  };
}

let machineCores = null;
function machineCoresCount() {
  if (machineCores === null)
    machineCores = readFileSync("/proc/stat", "utf8").split("\n").filter((l) => /^cpu\d+ /.test(l)).length;
  return machineCores;
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
  log(`backend pid ${PID}${SIM_PID ? `, simulator pid ${SIM_PID}` : ""}, ${URL_}, CLK_TCK ${CLK_TCK}`);

  // 1. Snapshot size: one client until it has seen three snapshots that list the services.
  const first = await getMetrics();
  log(`GET /metrics: ${utf8(JSON.stringify(first))} bytes re-serialised, services ${first.services?.length}`);
  const [probe] = await connectAll(1, { captureFirst: true });
  const until = Date.now() + 30_000;
  while ((snapshotFrames.length < 3 || snapshotServices < 3) && Date.now() < until) await sleep(200);
  probe.close();
  await waitServerClients(0);
  const probeFrames = [...snapshotFrames];
  log(`metrics:snapshot frames: ${probeFrames.join(", ")} bytes; services in snapshot: ${snapshotServices}`);

  // 2. Alternating phases: 0 clients, N clients, 0, N, ...
  const phases = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of [0, N]) {
      let clients = [];
      if (n > 0) {
        const tc = Date.now();
        clients = await connectAll(n, { captureFirst: true });
        log(`${n} clients connected and subscribed in ${Date.now() - tc} ms`);
        await waitServerClients(n);
      }
      await sleep(SETTLE_S * 1000);
      const p = await measure(`${n} clients (round ${r + 1})`, clients);
      phases.push(p);
      log(
        `${p.label}: backend ${fmt(p.backendCpuMsPerS)} ms/s, ingest ${fmt(p.ingestLogsPerS, 0)} logs/s, ` +
          `per-client ${p.perClientTotalPerS ? fmt(p.perClientTotalPerS.mean) : "-"} events/s, ` +
          `load ${p.loadavg1.join("→")}, disconnects ${p.disconnects}`,
      );
      if (n > 0) {
        clients.forEach((c) => c.close());
        await waitServerClients(0);
      }
    }
  }

  // ---- report ------------------------------------------------------------------------------
  const zero = phases.filter((p) => p.clients === 0);
  const many = phases.filter((p) => p.clients === N);
  const z = mean(zero.map((p) => p.backendCpuMsPerS));
  const k = mean(many.map((p) => p.backendCpuMsPerS));
  const out = [];
  const say = (s = "") => out.push(s);
  say("== metrics:snapshot size (three simulated services) ==");
  say(`GET /metrics body bytes: min ${Math.min(...metricsSizes)} / median ${median(metricsSizes)} / max ${Math.max(...metricsSizes)} (${metricsSizes.length} samples)`);
  const allFrames = snapshotFrames;
  say(`metrics:snapshot WebSocket message bytes: min ${Math.min(...allFrames)} / median ${median(allFrames)} / max ${Math.max(...allFrames)} (${allFrames.length} frames)`);
  say(`services listed in the snapshot: ${snapshotServices}`);
  say("");
  say(`== backend CPU, ${PHASE_S} s windows, alternating 0 / ${N} clients ==`);
  say("phase                 | backend ms/s | sim ms/s | driver ms/s | machine busy cores | load1 start→end | ingest logs/s | per-client events/s (log:new / ack:sent / snapshot / log:skipped) | framesDropped/s | logsSkipped/s | disconnects");
  for (const p of phases) {
    const e = (n) => (p.perClientEventsPerS[n] ? fmt(p.perClientEventsPerS[n].mean, 2) : "0");
    say(
      [
        p.label.padEnd(21),
        fmt(p.backendCpuMsPerS).padStart(12),
        (p.simCpuMsPerS === null ? "-" : fmt(p.simCpuMsPerS)).padStart(8),
        fmt(p.driverCpuMsPerS).padStart(11),
        fmt(p.machineBusyCores, 2).padStart(18),
        `${p.loadavg1[0]}→${p.loadavg1[1]}`.padStart(15),
        fmt(p.ingestLogsPerS, 0).padStart(13),
        p.clients ? `${fmt(p.perClientTotalPerS.mean, 1)} (${e("log:new")} / ${e("ack:sent")} / ${e("metrics:snapshot")} / ${e("log:skipped")})` : "-",
        p.framesDroppedPerS === null ? "n/a" : fmt(p.framesDroppedPerS, 1),
        p.logsSkippedPerS === null ? "n/a" : fmt(p.logsSkippedPerS, 0),
        String(p.disconnects) + (p.disconnectReasons.length ? ` (${p.disconnectReasons.join(",")})` : ""),
      ].join(" | "),
    );
  }
  say("");
  say("backend CPU by thread (name/tid), busiest four, ms/s:");
  for (const p of phases)
    say(`  ${p.label.padEnd(21)} ${Object.entries(p.backendThreadsMsPerS).slice(0, 4).map(([n, v]) => `${n} ${fmt(v)}`).join(", ")}`);
  say("ingest batches/s (GET /metrics ingest.batchesTotal): " + phases.map((p) => fmt(p.ingestBatchesPerS, 1)).join(", "));
  say("replays completed/s (GET /metrics replays.completed), pending and lost at window end:");
  for (const p of phases)
    say(`  ${p.label.padEnd(21)} ${fmt(p.replaysCompletedPerS, 1)}/s, pending ${p.replaysPendingEnd}, lost ${p.lostEnd}; ${p.servicesEnd.map((s) => `${s.service} ${s.status} missing ${s.missing}`).join(", ")}`);
  say("");
  say(`backend CPU mean: 0 clients ${fmt(z)} ms/s, ${N} clients ${fmt(k)} ms/s, ratio ${fmt(k / z, 2)} (extra ${fmt(k - z)} ms/s, ${fmt(((k - z) * 1000) / N, 1)} µs/s per client)`);
  for (let r = 0; r < Math.min(zero.length, many.length); r++)
    say(`  round ${r + 1}: ${fmt(zero[r].backendCpuMsPerS)} → ${fmt(many[r].backendCpuMsPerS)} ms/s, ratio ${fmt(many[r].backendCpuMsPerS / zero[r].backendCpuMsPerS, 2)}`);
  const rtKeys = many[0]?.realtimeKeys || [];
  say(`GET /metrics realtime fields: ${rtKeys.join(", ") || "(none)"}${rtKeys.includes("framesSent") ? "" : " — no framesSent; frames received by the clients:"}`);
  for (const p of many)
    say(`  ${p.label}: log:new broadcast by the backend ≈ ${fmt((p.logsSkippedPerS ?? NaN) / N + (p.perClientEventsPerS["log:new"]?.mean ?? 0), 0)}/s (logsSkipped/s ÷ clients + log:new received per client)`);
  for (const p of many)
    say(`  ${p.label}: clients received ${fmt(p.clientReceivedPerS, 0)} events/s in all; per client ${fmt(p.perClientTotalPerS.mean, 1)} (min ${fmt(p.perClientTotalPerS.min, 1)}, max ${fmt(p.perClientTotalPerS.max, 1)})`);
  console.log(out.join("\n"));

  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify({ clients: N, phaseSeconds: PHASE_S, clkTck: CLK_TCK, metricsSizes, snapshotFrames: allFrames, probeFrames, snapshotServices, phases, meanZero: z, meanMany: k, ratio: k / z }, null, 2),
    );
    log(`wrote ${args.json}`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
