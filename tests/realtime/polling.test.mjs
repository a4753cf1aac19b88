// Socket.IO's long-polling transport and its upgrade to WebSocket (docs/PROTOCOL.md, "Events"),
// seen by the stock npm socket.io-client and by raw HTTP requests. Run by ctest
// (realtime_node_test, polling case), which starts a backend with a short heartbeat
// (TRACEHUB_SOCKET_PING_INTERVAL_MS / _TIMEOUT_MS, given here as PING_INTERVAL_MS /
// PING_TIMEOUT_MS) so that a client that stops polling is dropped within seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { base, connected, ingest, next } from './socket.mjs';

const pingInterval = Number(process.env.PING_INTERVAL_MS);
const pingTimeout = Number(process.env.PING_TIMEOUT_MS);
assert.ok(pingInterval > 0 && pingTimeout > 0, 'PING_INTERVAL_MS and PING_TIMEOUT_MS must be set');
const wsBase = base.replace(/^http/, 'ws');
const eio = `${base}/socket.io/?EIO=4&transport=polling`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const entry = (seq, extra = {}) => ({ seq, level: 'info', message: `m-${seq}`, ...extra });

async function realtimeMetrics() {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  return (await res.json()).realtime;
}

// Polls `probe` until it returns a truthy value, for at most `ms`.
async function eventually(probe, ms, what) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

// A raw Engine.IO polling session: handshake, then GET/POST by hand.
async function handshake() {
  const res = await fetch(eio);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  assert.equal(text[0], '0', text);
  const open = JSON.parse(text.slice(1));
  return { open, url: `${eio}&sid=${open.sid}` };
}

const get = async (url) => {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
};
const packets = (r) => r.text.split('\x1e');
const post = async (url, body, headers = { 'content-type': 'text/plain;charset=UTF-8' }) => {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text() };
};

// A GET of a raw session that answers the server's pings (a POST of `3`), as a client does.
async function poll(url) {
  const r = await get(url);
  if (r.status === 200 && packets(r).includes('2')) await post(url, '3');
  return r;
}

// Joins "/" on a raw polling session: POST 40, then GETs until the CONNECT reply came.
async function join(url) {
  assert.deepEqual(await post(url, '40'), { status: 200, text: 'ok' });
  await eventually(
    async () => {
      const r = await poll(url);
      assert.equal(r.status, 200, r.text);
      return packets(r).some((p) => p.startsWith('40{'));
    },
    5000,
    'the CONNECT reply',
  );
}

// A GET that the server holds (nothing queued for it): retried while one comes back at once.
// Resolves with { pending }, the promise of its response.
async function heldGet(url) {
  for (let attempt = 0; attempt < 20; ++attempt) {
    let settled = false;
    const pending = get(url).finally(() => (settled = true));
    await sleep(100);
    if (!settled) return { pending };
    const r = await pending;
    assert.equal(r.status, 200, r.text);
    if (packets(r).includes('2')) await post(url, '3');
  }
  throw new Error('every GET was answered at once');
}

// A TCP proxy to the backend that holds every WebSocket upgrade request for `delayMs` before
// passing it on: the client keeps polling meanwhile, so events straddle the upgrade.
function slowUpgradeProxy(delayMs) {
  const target = new URL(base);
  const server = net.createServer((client) => {
    client.once('data', (first) => {
      const upgrade = /transport=websocket/.test(first.toString('latin1'));
      client.pause();
      setTimeout(
        () => {
          const upstream = net.connect(Number(target.port), target.hostname, () => {
            upstream.write(first);
            client.pipe(upstream);
            upstream.pipe(client);
            client.resume();
          });
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        },
        upgrade ? delayMs : 0,
      );
    });
    client.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })),
  );
}

test('default io(url): polling first, then WebSocket, no event lost or duplicated', async () => {
  const proxy = await slowUpgradeProxy(1500);
  const s = io(proxy.url, { forceNew: true, reconnection: false });
  const service = 'poll-upgrade';
  const seen = new Map(); // seq -> count
  const byTransport = { polling: 0, websocket: 0 };
  let skipped = 0;
  let upgradedAt = 0;
  s.on('log:new', (e) => {
    if (e.service !== service) return;
    seen.set(e.seq, (seen.get(e.seq) ?? 0) + 1);
    byTransport[s.io.engine.transport.name] += 1;
  });
  s.on('log:skipped', () => (skipped += 1));
  let seq = 0;
  let ingesting = true;
  // 5 entries every 200 ms: 25 log:new a second, under the per-client limit of 50.
  const producer = (async () => {
    while (ingesting) {
      await ingest(service, Array.from({ length: 5 }, () => entry(++seq)));
      await sleep(200);
    }
  })();
  try {
    await connected(s);
    assert.equal(s.io.engine.transport.name, 'polling', 'the session starts by polling');
    s.io.engine.once('upgrade', () => (upgradedAt = Date.now()));
    await eventually(() => upgradedAt > 0, 10000, 'the upgrade to websocket');
    assert.equal(s.io.engine.transport.name, 'websocket');
    await eventually(() => byTransport.websocket >= 20, 10000, 'log:new over websocket');
  } finally {
    ingesting = false;
    await producer;
  }
  try {
    const last = seq;
    await eventually(() => seen.has(last), 10000, `log:new of seq ${last}`);
    await sleep(300); // a duplicate would come right behind
    const seqs = [...seen.keys()].sort((a, b) => a - b);
    const first = seqs[0];
    const missing = [];
    for (let i = first; i <= last; ++i) if (!seen.has(i)) missing.push(i);
    assert.deepEqual(missing, [], `lost across the upgrade (from ${first} to ${last})`);
    assert.deepEqual(
      [...seen].filter(([, n]) => n > 1),
      [],
      'duplicated across the upgrade',
    );
    assert.ok(byTransport.polling > 0, `no log:new over polling before the upgrade (${JSON.stringify(byTransport)})`);
    assert.ok(byTransport.websocket > 0);
    assert.equal(skipped, 0, 'the rate limit interfered');
    assert.equal(s.io.engine.transport.name, 'websocket');
  } finally {
    s.close();
    proxy.server.close();
  }
});

test("transports: ['polling'] receives live events and subscribes like a WebSocket client", async () => {
  const s = io(base, { transports: ['polling'], forceNew: true, reconnection: false });
  try {
    await connected(s);
    assert.equal(s.io.engine.transport.name, 'polling');
    const snap = await next(s, 'metrics:snapshot', 5000);
    assert.equal(typeof snap.ts, 'number');
    const reply = await s.timeout(3000).emitWithAck('subscribe', { service: 'poll-a', level: 'error' });
    assert.deepEqual(reply, { ok: true });
    const got = [];
    s.on('log:new', (e) => got.push(e));
    const ack = next(s, 'ack:sent', 5000, (a) => a.service === 'poll-a');
    await ingest('poll-b', [entry(1, { level: 'error' }), entry(2, { level: 'error' })]);
    await ingest('poll-a', [
      entry(1, { level: 'error', message: 'tab\there "quoted"\nnext \u001e sep' }),
      entry(2, { level: 'info' }),
      entry(3, { level: 'error' }),
    ]);
    assert.equal((await ack).ackTill, 3);
    await eventually(() => got.length >= 2, 10000, 'two log:new');
    await sleep(300);
    assert.deepEqual(got.map((e) => `${e.service}/${e.seq}`).sort(), ['poll-a/1', 'poll-a/3']);
    assert.equal(got.find((e) => e.seq === 1).message, 'tab\there "quoted"\nnext \u001e sep');
    const bad = await s.timeout(3000).emitWithAck('subscribe', { service: 7 });
    assert.equal(bad.ok, false);
    // Several heartbeats later the session is still there, still polling.
    await sleep(2 * pingInterval + 200);
    assert.ok(s.connected);
    assert.equal(s.io.engine.transport.name, 'polling');
    await next(s, 'metrics:snapshot', 5000);
  } finally {
    s.close();
  }
});

// The realtime metrics once the clients of earlier tests are gone (a closing client leaves
// asynchronously).
const noClientLeft = () =>
  eventually(
    async () => {
      const m = await realtimeMetrics();
      return m.clients === 0 ? m : null;
    },
    5000,
    'no client left from earlier tests',
  );

test('a polling client that stops polling is dropped after pingTimeout and its session freed', async () => {
  const before = await noClientLeft();
  const { open, url } = await handshake();
  assert.deepEqual(open.upgrades, ['websocket']);
  assert.equal(open.pingInterval, pingInterval);
  assert.equal(open.pingTimeout, pingTimeout);
  assert.equal(open.maxPayload, 1000000);
  await join(url);
  const during = await realtimeMetrics();
  assert.equal(during.clients, 1, JSON.stringify(during));
  const stoppedAt = Date.now();
  // No more GETs: the ping is never taken, so no pong comes.
  const after = await eventually(
    async () => {
      const m = await realtimeMetrics();
      return m.pingTimeouts > before.pingTimeouts && m.clients === 0 ? m : null;
    },
    pingInterval + pingTimeout + 5000,
    'the silent polling client dropped',
  );
  assert.ok(Date.now() - stoppedAt < pingInterval + pingTimeout + 5000);
  assert.equal(after.clients, 0);
  const again = await get(url);
  assert.equal(again.status, 400);
  assert.equal(JSON.parse(again.text).error, 'unknown_sid');
  assert.equal((await post(url, '3')).status, 400);
});

test('a polling client that keeps its heartbeat but never GETs: bounded queue, then dropped as slow', async () => {
  const before = await noClientLeft();
  const { url } = await handshake();
  await join(url);
  // Blind pongs keep the heartbeat alive without taking anything from the queue.
  let beating = true;
  const heart = (async () => {
    while (beating) {
      const r = await post(url, '3');
      if (r.status !== 200) break;
      await sleep(200);
    }
  })();
  try {
    // One ack:sent per service (none coalesced): more than the queue's 256 frames.
    for (let i = 0; i < 320; i += 40)
      await Promise.all(
        Array.from({ length: 40 }, (_, k) => ingest(`poll-flood-${i + k}`, [entry(1)])),
      );
    const after = await eventually(
      async () => {
        const m = await realtimeMetrics();
        return m.slowClientDisconnects > before.slowClientDisconnects && m.clients === 0 ? m : null;
      },
      20000,
      'the never-polling client disconnected as slow',
    );
    assert.ok(after.framesDropped > before.framesDropped, JSON.stringify(after));
    assert.equal(after.pingTimeouts, before.pingTimeouts, 'dropped for its heartbeat instead');
    assert.equal(JSON.parse((await get(url)).text).error, 'unknown_sid');
  } finally {
    beating = false;
    await heart;
  }
});

test('the long-poll GET is held until there is something to send', async () => {
  const { url } = await handshake();
  await join(url);
  const r = await (await heldGet(url)).pending; // held past 100 ms: until the next ping or snapshot
  assert.equal(r.status, 200);
  assert.ok(packets(r).every((p) => p === '2' || p.startsWith('42[')), r.text);
  await post(url, '1'); // close
  assert.deepEqual(await get(url), { status: 200, text: '6' }); // the GET that was on its way
  assert.equal((await get(url)).status, 400);
});

test('a close POSTed before its GET arrives: that GET still gets its noop, once', async () => {
  // The reference client sends its GET and its close on two connections; either may arrive
  // first. The GET that comes after the close is answered as if it had been pending.
  const { url } = await handshake();
  await join(url);
  assert.equal((await post(url, '1')).status, 200);
  assert.equal((await post(url, '40')).status, 400, 'the session is closed to POSTs at once');
  assert.deepEqual(await get(url), { status: 200, text: '6' });
  const again = await get(url);
  assert.equal(again.status, 400);
  assert.equal(JSON.parse(again.text).error, 'unknown_sid');
});

test('a second GET while one is pending closes the session, as the reference server does', async () => {
  const { url } = await handshake();
  await join(url);
  const { pending } = await heldGet(url);
  const second = await get(url);
  assert.equal(second.status, 400);
  assert.equal(JSON.parse(second.text).error, 'overlapping_poll');
  const first = await pending;
  assert.equal(first.status, 200);
  assert.equal(packets(first).at(-1), '1', 'the pending GET ends with the close packet');
  assert.equal((await get(url)).status, 400);
});

test('POST bodies: maxPayload (413), binary and malformed payloads (400), unknown sid (400)', async () => {
  const { open, url } = await handshake();
  await join(url);
  // Exactly maxPayload bytes is taken: a pong with data, which the server ignores, and a pong.
  const big = '3' + 'x'.repeat(open.maxPayload - 3) + '\x1e3';
  assert.equal(big.length, open.maxPayload);
  assert.deepEqual(await post(url, big), { status: 200, text: 'ok' });
  // One byte more is refused, before the body is read; the session stays.
  const over = await post(url, big + 'x');
  assert.equal(over.status, 413);
  assert.equal(JSON.parse(over.text).error, 'payload_too_large');
  assert.deepEqual(await post(url, '3'), { status: 200, text: 'ok' });
  // A malformed payload ends the session.
  const bad = await post(url, '3\x1e\x1e3');
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.text).error, 'malformed_payload');
  assert.equal(JSON.parse((await get(url)).text).error, 'unknown_sid');

  const other = await handshake();
  const binary = await post(other.url, 'AQID', { 'content-type': 'application/octet-stream' });
  assert.equal(binary.status, 400);
  assert.equal(JSON.parse(binary.text).error, 'binary_unsupported');
  assert.equal((await get(other.url)).status, 400);
  const b64 = await handshake();
  assert.equal(JSON.parse((await post(b64.url, 'bAQID')).text).error, 'malformed_payload');

  const noSid = await post(eio, '40');
  assert.equal(noSid.status, 400);
  assert.equal(JSON.parse(noSid.text).error, 'bad_handshake_method');
  const unknown = await get(`${eio}&sid=nosuchsession`);
  assert.equal(unknown.status, 400);
  assert.equal(JSON.parse(unknown.text).error, 'unknown_sid');
  const wsNoUpgrade = await get(`${base}/socket.io/?EIO=4&transport=websocket`);
  assert.equal(wsNoUpgrade.status, 400);
  assert.equal(JSON.parse(wsNoUpgrade.text).error, 'transport_unsupported');
});

test('polling requests from a foreign Origin are refused like the upgrade (403)', async () => {
  const res = await fetch(eio, { headers: { origin: 'http://evil.example' } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error, 'forbidden_origin');
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const same = await fetch(eio, { headers: { origin: base } });
  assert.equal(same.status, 200);
});

test('the upgrade by hand: 2probe/3probe, the pending GET gets a noop, then 5', async () => {
  const { url } = await handshake();
  await join(url);
  const sid = new URL(url).searchParams.get('sid');
  const { pending } = await heldGet(url);
  const ws = new WebSocket(`${wsBase}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  const frames = [];
  ws.on('message', (d) => {
    const f = d.toString();
    frames.push(f);
    if (f === '2') ws.send('3');
  });
  try {
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    assert.equal(frames.length, 0, 'nothing comes over the WebSocket before the upgrade');
    ws.send('2probe');
    await eventually(() => frames.includes('3probe'), 3000, '3probe');
    // The pending GET is answered (a noop when nothing else was queued); once probed, every
    // GET is answered at once, so the client can pause its polling: what is queued comes at
    // once, and the GET after that gets the noop. A GET held as before the probe would be
    // answered by the next ping or snapshot instead, never by a noop, so a count of GETs (not
    // a time, on a noisy machine) tells the two apart.
    let r = await pending;
    for (let gets = 1; ; ++gets) {
      assert.equal(r.status, 200, r.text);
      if (packets(r).includes('2')) await post(url, '3');
      if (packets(r).at(-1) === '6') break;
      assert.ok(gets < 10, `no noop in ${gets} GETs: a GET during the upgrade was held (${r.text})`);
      r = await get(url);
    }
    ws.send('5');
    // The session now lives on the WebSocket: its events come there.
    await eventually(() => frames.some((f) => f.startsWith('42["metrics:snapshot"')), 5000, 'a snapshot');
    const late = await get(url);
    assert.equal(late.status, 400);
    assert.equal(JSON.parse(late.text).error, 'transport_mismatch');
    // A second upgrade of the same session is refused.
    const status = await new Promise((resolve) => {
      const again = new WebSocket(`${wsBase}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      again.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode);
        again.terminate();
      });
      again.on('open', () => resolve('open'));
      again.on('error', () => {});
    });
    assert.equal(status, 400);
  } finally {
    ws.terminate();
  }
});

test('an upgrade that never sends 5 is abandoned; the session goes on polling', async () => {
  const { url } = await handshake();
  await join(url);
  const sid = new URL(url).searchParams.get('sid');
  const ws = new WebSocket(`${wsBase}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  ws.send('not a probe');
  await new Promise((resolve) => ws.on('close', resolve));
  // Still a polling session: it answers GETs and delivers events.
  const r = await eventually(
    async () => {
      const got = await poll(url);
      assert.equal(got.status, 200, got.text);
      return packets(got).some((p) => p.startsWith('42["metrics:snapshot"')) ? got : null;
    },
    5000,
    'a snapshot over polling after the failed probe',
  );
  assert.ok(r);
  await post(url, '1');
});
