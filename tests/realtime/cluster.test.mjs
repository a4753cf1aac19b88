// Events and controls across processes (docs/PROTOCOL.md, "Events across processes",
// "Controls across processes"), seen by the stock socket.io-client on API process A while the
// work happens elsewhere: ACKs taken by API process B, log:new and replay:completed from the
// worker processes, worker:crashed from both worker processes after crash_worker sent to A.
// Each exactly once. Run by ctest (app_cluster_e2e_test), which starts two API processes
// (BACKEND_URLS, A first) and two worker processes, and checks the rows afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { next } from './socket.mjs';

const [A, B] = (process.env.BACKEND_URLS || '').split(',');
assert.ok(A && B, 'BACKEND_URLS must name two API processes');

function connect(url) {
  return io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
}

async function connected(s) {
  if (s.connected) return;
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no connect within 5 s')), 5000);
    s.once('connect', () => {
      clearTimeout(t);
      resolve();
    });
    s.once('connect_error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

async function post(url, path, body) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const batch = (service, seqs) => ({
  service,
  batch: seqs.map((seq) => ({ seq, level: 'info', message: `m-${seq}` })),
});

// Collects every payload of `events` on `s` until stopped.
function recorder(s, events) {
  const got = Object.fromEntries(events.map((e) => [e, []]));
  for (const e of events) s.on(e, (p) => got[e].push(p));
  return got;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

test('a client of A sees the ACKs B took and the rows the workers stored, once each', async () => {
  const s = connect(A);
  try {
    await connected(s);
    s.emit('subscribe', { service: 'svc-x' });
    await sleep(100);
    const got = recorder(s, ['ack:sent', 'log:new']);
    // 4 batches of 10: 40 log:new, within one client's burst (no rate-limit skips).
    for (let i = 0; i < 4; ++i) {
      const seqs = Array.from({ length: 10 }, (_, k) => i * 10 + k + 1);
      const r = await post(B, '/ingest', batch('svc-x', seqs));
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    await until(() => got['log:new'].length >= 40 && got['ack:sent'].length >= 4, 10000,
                `log:new ${got['log:new'].length}/40, ack:sent ${got['ack:sent'].length}/4`);
    await sleep(500);  // anything twice would have come by now
    const acks = got['ack:sent'].filter((a) => a.service === 'svc-x');
    assert.equal(acks.length, 4, JSON.stringify(acks));
    assert.deepEqual(acks.map((a) => a.ackTill), [10, 20, 30, 40]);
    const seqs = got['log:new'].map((l) => l.seq).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: 40 }, (_, k) => k + 1));
    for (const l of got['log:new']) {
      assert.equal(l.service, 'svc-x');
      assert.equal(l.message, `m-${l.seq}`);
    }
  } finally {
    s.close();
  }
});

test('replay:completed from a worker process reaches a client of A once', async () => {
  const s = connect(A);
  try {
    await connected(s);
    const got = recorder(s, ['replay:completed', 'replay:failed']);
    // Seqs 3 and 4 are in the producer buffer (the ctest put them there): the gap is recovered.
    const r = await post(B, '/ingest', batch('svc-replay', [1, 2, 5]));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.missing, [3, 4]);
    await until(() => got['replay:completed'].length >= 1, 20000, 'replay:completed');
    await sleep(500);
    assert.equal(got['replay:completed'].length, 1, JSON.stringify(got['replay:completed']));
    assert.equal(got['replay:completed'][0].service, 'svc-replay');
    assert.equal(got['replay:completed'][0].count, 2);
    assert.equal(got['replay:failed'].length, 0);
  } finally {
    s.close();
  }
});

test('crash_worker sent to A crashes the workers of both worker processes', async () => {
  const s = connect(A);
  const t = connect(B);
  try {
    await connected(s);
    await connected(t);
    const got = recorder(s, ['sim:control', 'worker:crashed', 'worker:recovered']);
    const gotB = recorder(t, ['worker:crashed']);
    const res = await post(A, '/metrics/control', { action: 'crash_worker', durationMs: 1500 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.event.params.workers, 2, JSON.stringify(res.body));
    assert.equal(res.body.crashed.length, 2, JSON.stringify(res.body.crashed));
    const pids = new Set(res.body.crashed.map((c) => c.pid));
    assert.equal(pids.size, 2, 'two worker processes');
    await until(() => got['worker:recovered'].length >= 2, 15000, 'worker:recovered x2');
    await sleep(500);
    const ids = got['worker:crashed'].map((c) => c.workerId).sort();
    assert.equal(ids.length, 2, JSON.stringify(got['worker:crashed']));
    assert.notEqual(ids[0], ids[1]);
    const named = res.body.crashed.flatMap((c) => c.workers).sort();
    assert.deepEqual(ids, named, 'the reply names the workers that went down');
    assert.equal(got['worker:recovered'].length, 2);
    assert.equal(got['sim:control'].filter((e) => e.action === 'crash_worker').length, 1);
    assert.equal(gotB['worker:crashed'].length, 2, 'B sees them too, once');
  } finally {
    s.close();
    t.close();
  }
});

test('drop_network sent to A drops requests at B within its refresh; delay_ack sent to B delays A', async () => {
  // The first request to B after the fault was set. B reads the windows every 100 ms
  // (docs/PROTOCOL.md, "Controls across processes"): ten periods leave a loaded machine room
  // and still catch a process that reads them far less often, or never.
  const res = await post(A, '/metrics/control', { action: 'drop_network', durationMs: 1500, share: 1 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const set = Date.now();
  const within = 10 * 100;
  let dropped = null;
  let seq = 100;
  while (Date.now() - set < within) {
    try {
      const r = await post(B, '/ingest', batch('svc-drop', [++seq]));
      if (r.status !== 200) throw new Error(`status ${r.status}`);
    } catch {
      dropped = Date.now() - set;
      break;
    }
  }
  assert.ok(dropped !== null, `B dropped no request within ${within} ms`);
  console.log(`drop_network sent to A: B dropped its first request ${dropped} ms later`);
  // The window ends by itself.
  await sleep(1700);
  const after = await post(B, '/ingest', batch('svc-drop', [1]));
  assert.equal(after.status, 200);

  const d = await post(B, '/metrics/control', { action: 'delay_ack', durationMs: 2000, delayMs: 400 });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  await sleep(200);
  const t0 = Date.now();
  const r = await post(A, '/ingest', batch('svc-delay', [1]));
  assert.equal(r.status, 200);
  const took = Date.now() - t0;
  assert.ok(took >= 380, `A's ACK came after ${took} ms`);
  console.log(`delay_ack (400 ms) sent to B: A's ACK came after ${took} ms`);
  await sleep(2000);
});
