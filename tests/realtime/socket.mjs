// What both Socket.IO test files share: the backend's URL (BACKEND_URL, set by ctest's
// realtime_node_test), posting one batch, a fresh client, and waiting for one event with a
// deadline.
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

export const base = process.env.BACKEND_URL;
assert.ok(base, 'BACKEND_URL must point at a running backend');

// POSTs one batch to /ingest and returns its ACK (asserting a 200).
export async function ingest(service, entries) {
  const res = await fetch(`${base}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service, batch: entries }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

export function connect(path = '') {
  return io(base + path, { transports: ['websocket'], forceNew: true, reconnection: false });
}

// Resolves with the first `event` payload for which `pred` holds and the time it came
// ({payload, at}), rejects after `ms`.
export function nextTimed(socket, event, ms, pred = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    function on(payload) {
      if (!pred(payload)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve({ payload, at: Date.now() });
    }
    socket.on(event, on);
  });
}

// Resolves with the first `event` payload for which `pred` holds, rejects after `ms`.
export function next(socket, event, ms, pred = () => true) {
  return nextTimed(socket, event, ms, pred).then(({ payload }) => payload);
}

// Resolves once `socket` is connected; rejects on connect_error or after 5 s.
export async function connected(socket) {
  if (socket.connected) return;
  await Promise.race([
    next(socket, 'connect', 5000),
    next(socket, 'connect_error', 5000).then((e) => {
      throw new Error(`connect_error: ${e.message}`);
    }),
  ]);
}
