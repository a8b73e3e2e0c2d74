import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import type { UpstreamInstance } from '../upstream-instance.js';

/** What an upstream socket reports to the exchange it serves; set once per socket, never per request. */
export interface UpstreamEvents {
  connect(this: UpstreamSocket): void;
  /** net's onread callback: `nread` bytes at the start of READ_BUFFER; calls `data`. */
  read(this: UpstreamSocket, nread: number, buffer: Buffer): boolean;
  /**
   * Bytes from the upstream, in a buffer shared by every upstream socket and reused for the next read:
   * whatever must outlive the call (a write that may not finish at once, a partial head) is copied.
   */
  data(this: UpstreamSocket, chunk: Buffer): void;
  end(this: UpstreamSocket): void;
  error(this: UpstreamSocket, error: NodeJS.ErrnoException): void;
  close(this: UpstreamSocket): void;
}

/** A raw keep-alive connection to one upstream instance. */
export interface UpstreamSocket extends Socket {
  /** The exchange using it, or undefined while idle in the pool. */
  owner: unknown;
  /** performance.now() when it went idle. */
  idleSince: number;
  /** True once it carried a request: a reset before any answer may be a keep-alive race. */
  reused: boolean;
  readonly instance: UpstreamInstance;
}

/**
 * Upstream sockets read into this one buffer (net's `onread`), which skips the readable-stream machinery
 * and a Buffer allocation per read. Safe because reads are handled synchronously, one at a time.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Idle sockets expire before a default Node upstream's 5 s keep-alive, so a reused socket is rarely reset. */
export const IDLE_SOCKET_MS = 4_000;
/** Idle sockets kept per instance; more are closed as they come back. */
export const MAX_IDLE_SOCKETS = 256;

/**
 * An idle pooled socket of `instance` (most recently used first), or a new connection. Sockets idle for
 * longer than IDLE_SOCKET_MS are closed on the way, oldest last in the list being the stalest.
 */
export function acquireSocket(instance: UpstreamInstance, events: UpstreamEvents, now: number): UpstreamSocket {
  const idle = instance.idle as UpstreamSocket[];
  while (idle.length > 0) {
    const socket = idle.pop()!;
    if (now - socket.idleSince < IDLE_SOCKET_MS && !socket.destroyed && socket.readyState === 'open') return socket;
    socket.destroy();
    for (const stale of idle.splice(0)) stale.destroy();
  }
  const socket = net.connect({ host: instance.hostname, port: instance.port, noDelay: true, onread: { buffer: READ_BUFFER, callback: events.read } }) as UpstreamSocket;
  socket.owner = undefined;
  socket.idleSince = 0;
  socket.reused = false;
  (socket as { instance: UpstreamInstance }).instance = instance;
  socket.on('connect', events.connect);
  socket.on('end', events.end);
  socket.on('error', events.error);
  socket.on('close', events.close);
  return socket;
}

/** Returns a socket whose exchange ended cleanly to its instance's pool, or closes it. */
export function releaseSocket(socket: UpstreamSocket, now: number): void {
  socket.owner = undefined;
  const instance = socket.instance;
  const idle = instance.idle as UpstreamSocket[];
  if (instance.draining || idle.length >= MAX_IDLE_SOCKETS || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.reused = true;
  socket.idleSince = now;
  idle.push(socket);
  pooled.add(instance);
  sweeper ??= setInterval(sweepIdle, SWEEP_MS).unref();
}

/** Instances with idle sockets: swept on a beat so an idle connection never outlives IDLE_SOCKET_MS by much. */
const pooled = new Set<UpstreamInstance>();
const SWEEP_MS = 1_000;
let sweeper: NodeJS.Timeout | undefined;

function sweepIdle(): void {
  const now = performance.now();
  for (const instance of pooled) {
    // Sockets go back on the end of the list, so the stalest are at its start.
    const idle = instance.idle as UpstreamSocket[];
    let stale = 0;
    while (stale < idle.length && now - idle[stale]!.idleSince >= IDLE_SOCKET_MS) stale++;
    for (const socket of idle.splice(0, stale)) socket.destroy();
    if (idle.length === 0) pooled.delete(instance);
  }
  if (pooled.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** Takes a socket the upstream closed (or that failed) out of its instance's idle list. */
export function forgetSocket(socket: UpstreamSocket): void {
  const idle = socket.instance.idle as UpstreamSocket[];
  const at = idle.indexOf(socket);
  if (at !== -1) idle.splice(at, 1);
}

/** Closes every idle socket of an instance (it is draining or its route closed). */
export function closeIdleSockets(instance: UpstreamInstance): void {
  for (const socket of instance.idle.splice(0)) socket.destroy();
}
