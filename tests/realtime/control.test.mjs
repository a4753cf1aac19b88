// The fault controls' events on the Socket.IO channel (docs/PROTOCOL.md, "Events", "Controls"),
// seen by the stock socket.io-client: a crash_worker command is broadcast as `sim:control`, then
// the worker's `worker:crashed`, then `worker:recovered` once the supervisor brought it back. Run
// by ctest (realtime_node_test, through realtime.test.mjs), which starts the backend (role all,
// loopback: no admin token needed) and sets BACKEND_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base, connect, connected, nextTimed as next } from './socket.mjs';

async function control(body) {
  const res = await fetch(`${base}/metrics/control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('crash_worker: sim:control, then worker:crashed, then worker:recovered after durationMs', async () => {
  const s = connect();
  try {
    await connected(s);
    // Listen before the command: the events may come before the HTTP answer.
    const order = [];
    for (const e of ['sim:control', 'worker:crashed', 'worker:recovered'])
      s.on(e, () => order.push(e));
    const applied = next(s, 'sim:control', 5000, (e) => e.action === 'crash_worker');
    const crashed = next(s, 'worker:crashed', 5000);
    const recovered = next(s, 'worker:recovered', 10000);

    const res = await control({ action: 'crash_worker', durationMs: 2000 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.event.action, 'crash_worker');

    const a = await applied;
    assert.equal(a.payload.id, res.body.event.id, 'sim:control carries the event as applied');
    assert.equal(typeof a.payload.ts, 'number');
    const c = await crashed;
    assert.equal(typeof c.payload.workerId, 'string', JSON.stringify(c.payload));
    assert.ok(c.payload.workerId.length > 0);
    assert.equal(typeof c.payload.reason, 'string');
    assert.equal(typeof c.payload.ts, 'number');
    const r = await recovered;
    assert.equal(r.payload.workerId, c.payload.workerId, JSON.stringify(r.payload));
    assert.equal(typeof r.payload.ts, 'number');
    assert.equal(typeof r.payload.downMs, 'number');
    assert.ok(r.payload.downMs >= 1500, `downMs ${r.payload.downMs}`);
    assert.ok(r.at - c.at >= 1500, `recovered ${r.at - c.at} ms after crashed`);
    assert.ok(r.payload.ts - c.payload.ts >= 1500, 'the payloads\' times are 2 s apart too');
    assert.deepEqual(order.slice(0, 3), ['sim:control', 'worker:crashed', 'worker:recovered']);
  } finally {
    s.close();
  }
});
