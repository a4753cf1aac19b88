// The backend's Socket.IO channel (docs/PROTOCOL.md, "Events") seen by the stock npm
// socket.io-client. Run by ctest (realtime_node_test), which starts the backend and sets
// BACKEND_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
// The fault controls' events live in their own file; the runner (node_client_test) names this
// file only, so it is loaded from here and its tests run in the same `node --test` process.
import './control.test.mjs';
import { base, connect, connected, ingest, next } from './socket.mjs';

const wsBase = base.replace(/^http/, 'ws');

const entry = (seq, extra = {}) => ({ seq, level: 'info', message: `m-${seq}`, ...extra });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('connects over WebSocket and receives metrics:snapshot within 3 s', async () => {
  const s = connect();
  try {
    await connected(s);
    assert.equal(s.io.engine.transport.name, 'websocket');
    const snap = await next(s, 'metrics:snapshot', 3000);
    assert.equal(typeof snap.ts, 'number');
  } finally {
    s.close();
  }
});

test('ack:sent and log:new follow an ingest', async () => {
  const s = connect();
  try {
    await connected(s);
    const seen = new Map();
    s.on('log:new', (e) => {
      if (e.service === 'rt-ack') seen.set(e.seq, e);
    });
    const ack = next(s, 'ack:sent', 5000, (a) => a.service === 'rt-ack');
    await ingest('rt-ack', [
      entry(1, { requestId: 'r-1', attrs: { k: 'v' } }),
      entry(2, { level: 'error', message: 'tab\there "quoted"\nnext' }),
      entry(4, { ts: '2026-11-24T10:00:00Z' }),
    ]);
    const a = await ack;
    assert.equal(a.ackTill, 4);
    assert.deepEqual(a.missing, [3]);
    const deadline = Date.now() + 10000;
    while (seen.size < 3 && Date.now() < deadline) await sleep(50);
    assert.deepEqual([...seen.keys()].sort(), [1, 2, 4]);
    const one = seen.get(1);
    assert.equal(one.level, 'info');
    assert.equal(one.message, 'm-1');
    assert.equal(one.requestId, 'r-1');
    assert.deepEqual(one.attrs, { k: 'v' });
    assert.equal(typeof one.ts, 'string');
    assert.equal(seen.get(2).message, 'tab\there "quoted"\nnext');
    assert.equal(seen.get(2).requestId, null);
    // Stored in UTC in one form, whatever form it was sent in (docs/PROTOCOL.md, "Ingest").
    assert.equal(seen.get(4).ts, '2026-11-24T10:00:00.000000Z');
  } finally {
    s.close();
  }
});

test('subscribe filters log:new on the server', async () => {
  const s = connect();
  try {
    await connected(s);
    const reply = await s.timeout(3000).emitWithAck('subscribe', { service: 'rt-a' });
    assert.deepEqual(reply, { ok: true });
    const got = [];
    s.on('log:new', (e) => got.push(e));
    await ingest('rt-b', [entry(1), entry(2), entry(3)]);
    await ingest('rt-a', [entry(1), entry(2), entry(3)]);
    const deadline = Date.now() + 10000;
    while (got.filter((e) => e.service === 'rt-a').length < 3 && Date.now() < deadline)
      await sleep(50);
    await sleep(300);
    assert.equal(got.filter((e) => e.service === 'rt-a').length, 3);
    assert.deepEqual(got.filter((e) => e.service !== 'rt-a'), []);

    const q = await s.timeout(3000).emitWithAck('subscribe', {
      service: 'rt-q',
      level: ['warn', 'error'],
      q: 'TIMEOUT',
    });
    assert.deepEqual(q, { ok: true });
    got.length = 0;
    await ingest('rt-q', [
      entry(1, { level: 'error', message: 'gateway.timeout' }),
      entry(2, { level: 'info', message: 'gateway.timeout' }),
      entry(3, { level: 'warn', message: 'all fine' }),
      entry(4, { level: 'warn', message: 'Timeout again' }),
    ]);
    const until = Date.now() + 10000;
    while (got.length < 2 && Date.now() < until) await sleep(50);
    await sleep(300);
    assert.deepEqual(got.map((e) => e.seq).sort(), [1, 4]);

    const bad = await s.timeout(3000).emitWithAck('subscribe', { service: 7 });
    assert.equal(bad.ok, false);
  } finally {
    s.close();
  }
});

test('an unknown namespace is refused with "Invalid namespace"', async () => {
  const s = connect('/admin');
  try {
    const err = await next(s, 'connect_error', 5000);
    assert.equal(err.message, 'Invalid namespace');
  } finally {
    s.close();
  }
});

test('Engine.IO v3 and unknown transports get a 400 JSON error (polling: polling.test.mjs)', async () => {
  const polling = await fetch(`${base}/socket.io/?EIO=4&transport=polling`);
  assert.equal(polling.status, 200);
  assert.equal((await polling.text())[0], '0');
  const other = await fetch(`${base}/socket.io/?EIO=4&transport=flash`);
  assert.equal(other.status, 400);
  assert.equal((await other.json()).error, 'transport_unsupported');
  const v3 = await fetch(`${base}/socket.io/?EIO=3&transport=polling`);
  assert.equal(v3.status, 400);
  assert.equal((await v3.json()).error, 'unsupported_protocol_version');
  const status = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/socket.io/?EIO=3&transport=websocket`);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('EIO=3 upgrade was accepted')));
    ws.on('error', () => {});
  });
  assert.equal(status, 400);
});

test('the Engine.IO handshake and heartbeat answer a raw WebSocket', async () => {
  const ws = new WebSocket(`${wsBase}/socket.io/?EIO=4&transport=websocket`);
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    frames.push(data.toString());
    waiters.splice(0).forEach((w) => w());
  });
  const frame = async (pred, ms = 3000) => {
    const until = Date.now() + ms;
    for (;;) {
      const f = frames.find(pred);
      if (f) return f;
      if (Date.now() > until) throw new Error('expected frame not received: ' + frames);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  try {
    const open = JSON.parse((await frame((f) => f[0] === '0')).slice(1));
    assert.equal(typeof open.sid, 'string');
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.equal(open.maxPayload, 1000000);
    ws.send('40');
    const reply = JSON.parse((await frame((f) => f.startsWith('40'))).slice(2));
    assert.equal(typeof reply.sid, 'string');
    ws.send('40/nope,');
    assert.equal(await frame((f) => f.startsWith('44')), '44/nope,{"message":"Invalid namespace"}');
    ws.send('42["subscribe",{"service":"x"}]'); // no ack id: no answer expected
    ws.send('4212["subscribe",{}]');
    assert.equal(await frame((f) => f.startsWith('43')), '4312[{"ok":true}]');
  } finally {
    ws.terminate();
  }
});

test('200 concurrent clients all receive a snapshot', async () => {
  const clients = Array.from({ length: 200 }, () => connect());
  try {
    await Promise.all(clients.map((c) => connected(c)));
    await Promise.all(clients.map((c) => next(c, 'metrics:snapshot', 3000)));
  } finally {
    clients.forEach((c) => c.close());
  }
});

test('a client that never reads neither delays the others nor grows memory', async () => {
  // The stalled client: a raw WebSocket that joins "/" and then stops reading its socket.
  const stalled = new WebSocket(`${wsBase}/socket.io/?EIO=4&transport=websocket`);
  await new Promise((resolve, reject) => {
    stalled.on('message', (data) => {
      const f = data.toString();
      if (f[0] === '0') stalled.send('40');
      if (f.startsWith('40')) {
        stalled._socket.pause();
        resolve();
      }
    });
    stalled.on('error', reject);
  });
  const watcher = connect();
  try {
    await connected(watcher);
    const first = await next(watcher, 'metrics:snapshot', 3000);
    let last = Date.now();
    let worstGap = 0;
    let latest = first;
    watcher.on('metrics:snapshot', (s) => {
      worstGap = Math.max(worstGap, Date.now() - last);
      last = Date.now();
      latest = s;
    });
    // Large entries, faster than the per-client log:new rate: the stalled client's kernel
    // buffers and then its bounded queue fill; the server must drop (and count) its frames.
    const big = 'x'.repeat(32 * 1024);
    // Snapshots come every second. A watcher held up behind the stalled client would get none
    // until that client is disconnected (the hub's slow-client limit, 10 s); half of that
    // leaves a loaded machine room.
    const longestGap = 5000;
    const droppedBefore = first.realtime.framesDropped;
    const slowBefore = first.realtime.slowClientDisconnects;
    let seq = 0;
    const deadline = Date.now() + 45000;
    while (Date.now() < deadline) {
      const batch = Array.from({ length: 20 }, () => entry(++seq, { message: big }));
      await ingest('rt-flood', batch);
      await sleep(200);
      assert.ok(Date.now() - last < longestGap, `no snapshot for ${Date.now() - last} ms`);
      if (
        latest.realtime.framesDropped > droppedBefore &&
        latest.realtime.slowClientDisconnects > slowBefore
      )
        break;
    }
    assert.ok(worstGap < longestGap, `a snapshot came ${worstGap} ms after the previous one`);
    assert.ok(
      latest.realtime.framesDropped > droppedBefore,
      `frames dropped stayed at ${latest.realtime.framesDropped}`,
    );
    assert.ok(
      latest.realtime.slowClientDisconnects > slowBefore,
      'the stalled client was not disconnected',
    );
  } finally {
    watcher.close();
    stalled.terminate();
  }
});
