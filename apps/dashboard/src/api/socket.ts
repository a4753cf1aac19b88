// The one Socket.IO connection (same origin, WebSocket only: the backend also serves polling,
// but a WebSocket-only client needs no sticky sessions behind a balancer, docs/PROTOCOL.md).
// socket.io-client reconnects by itself; `connection` says where it stands for the banner.
// Components never touch the socket: they use useSocketEvent and setLogFilter.
import { io, type Socket } from 'socket.io-client';
import { useEffect, useRef } from 'preact/hooks';
import { Store } from '../lib/store';
import { token } from './auth';
import type { ClientToServerEvents, LogFilter, ServerToClientEvents } from './events';

export type ConnectionState =
  | { state: 'connecting' }
  | { state: 'connected'; since: number }
  | { state: 'reconnecting'; attempt: number; error?: string };

export const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
  transports: ['websocket'],
  reconnectionDelay: 500,
  reconnectionDelayMax: 5000,
  // Read at every (re)connection, so a sign-in applies to the next handshake.
  auth: (cb) => {
    const t = token();
    cb(t ? { token: t } : {});
  },
});

export const connection = new Store<ConnectionState>({ state: 'connecting' });

let attempt = 0;
let logFilter: LogFilter | null = null;

socket.on('connect', () => {
  attempt = 0;
  connection.set({ state: 'connected', since: Date.now() });
  // The server forgets a client's filter with its connection.
  if (logFilter) socket.emit('subscribe', logFilter);
});
socket.on('disconnect', () => connection.set({ state: 'reconnecting', attempt }));
socket.on('connect_error', (e) => {
  attempt += 1;
  // Refused by the server for want of the token (not a network error): socket.io-client does
  // not retry by itself; signing in reconnects (reconnect below).
  const refused = /^(unauthorized|forbidden)/.test(e.message);
  connection.set({ state: 'reconnecting', attempt, error: refused ? `${e.message} — sign in for live data` : e.message });
});

// Connects again with the session's current token (after signing in or out).
export function reconnect(): void {
  socket.disconnect();
  socket.connect();
}

// Server-side filtering of log:new for this connection; null (or all fields empty) clears it.
export function setLogFilter(f: LogFilter | null): void {
  logFilter = f;
  if (socket.connected) socket.emit('subscribe', f);
}

type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

// Calls the latest `handler` for every `event` while the component is mounted.
export function useSocketEvent<E extends EventName>(event: E, handler: (p: Payload<E>) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const on = (p: Payload<E>) => ref.current(p);
    // socket.io-client's typed on() cannot relate the generic E to its listener type.
    (socket.on as (e: string, l: (p: Payload<E>) => void) => void)(event, on);
    return () => {
      (socket.off as (e: string, l: (p: Payload<E>) => void) => void)(event, on);
    };
  }, [event]);
}
