import http from 'node:http';
import net from 'node:net';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { ProxyRequest, ProxyResponse } from './exchange.js';
import { acceptFast } from './fast/fast-connection.js';
import type { FastConnection, FastHost } from './fast/fast-connection.js';
import type { StickyFields } from './fast/request-head.js';
import { formatAddress } from './listen-address.js';
import type { ProxyLimits } from './proxy-limits.js';
import type { RouteContext } from './serve-request.js';

/** One bound server; a route has one, two for a moment while it moves to a new address. */
export interface Listener {
  readonly server: Server<typeof ProxyRequest, typeof ProxyResponse>;
  readonly address: string;
  /** Requests and tunnels in flight. */
  inflight: number;
  closing: boolean;
  onIdle: (() => void) | undefined;
  /** Upgraded connections: the HTTP server no longer tracks them, so drain cuts them itself. */
  readonly tunnels: Set<Socket>;
  /** Connections on the fast path (raw sockets); node:http does not track them, so drain closes them itself. */
  readonly fast: Set<FastConnection>;
  /** Largest request head the fast path takes (larger ones go to node:http, which answers 431). */
  maxHeadBytes: number;
}

/** What a listener does with traffic; the proxy binds these to its route. */
export interface ListenerHandlers {
  request(listener: Listener, req: ProxyRequest, res: ProxyResponse, expectsContinue: boolean): void;
  upgrade(listener: Listener, req: ProxyRequest, socket: Socket, head: Buffer): void;
  clientError(listener: Listener, error: NodeJS.ErrnoException, socket: Socket): void;
  /** A client socket went silent for idleTimeoutMs (or its keep-alive period ended). */
  timeout(socket: Socket): void;
  /** The route serving requests for `host` on the fast path; undefined hands them to node:http. */
  route(host: string): RouteContext | undefined;
  /** The stickiness fields of every route of this listener, when they are the same for all. */
  sticky(): StickyFields | undefined;
}

// Node checks header timeouts on this beat (default 30 s, too coarse for a per-route limit).
const CHECK_INTERVAL_MS = 1000;

/** Binds a server for route `service` on host:port. Rejects with ADAPTER_FAILED naming the address. */
export function bindListener(service: string, listen: string, host: string | undefined, port: number, limits: ProxyLimits, handlers: ListenerHandlers): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = http.createServer<typeof ProxyRequest, typeof ProxyResponse>({
      IncomingMessage: ProxyRequest,
      ServerResponse: ProxyResponse,
      maxHeaderSize: limits.maxHeaderBytes,
      // The proxy answers a missing Host itself, with a JSON body.
      requireHostHeader: false,
      headersTimeout: limits.headersTimeoutMs,
      // The whole-request limit is the proxy's own (408 or 504 depending on who is slow).
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
      noDelay: true,
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new SluiceError(ErrorCode.ADAPTER_FAILED, `route "${service}" cannot listen on ${listen}: ${error.code ?? error.message}; expected a free, local host:port`, {
          cause: error,
          details: { service, listen, errno: error.code ?? null },
        }),
      );
    });
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      // Accept errors (EMFILE and the like) must not crash the process; the listener keeps serving.
      server.on('error', () => undefined);
      const listener: Listener = {
        server, address: formatAddress(server.address()), inflight: 0, closing: false, onIdle: undefined, tunnels: new Set(), fast: new Set(), maxHeadBytes: limits.maxHeaderBytes,
      };
      routeConnections(listener, handlers);
      server.on('request', (req: ProxyRequest, res: ProxyResponse) => handlers.request(listener, req, res, false));
      server.on('checkContinue', (req: ProxyRequest, res: ProxyResponse) => handlers.request(listener, req, res, true));
      server.on('upgrade', (req: ProxyRequest, socket: Socket, head: Buffer) => handlers.upgrade(listener, req, socket, head));
      server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => handlers.clientError(listener, error, socket));
      server.on('timeout', (socket: Socket) => handlers.timeout(socket));
      resolve(listener);
    });
  });
}

/**
 * Takes every accepted connection onto the fast path first (fast/fast-connection.ts); a connection whose
 * request the fast path cannot serve is handed to node:http's own connection handler, bytes and all.
 */
function routeConnections(listener: Listener, handlers: ListenerHandlers): void {
  const server = listener.server;
  const httpConnection = server.listeners('connection')[0] as ((socket: Socket) => void) | undefined;
  if (httpConnection === undefined) return;
  server.removeListener('connection', httpConnection);
  const host: FastHost = {
    get closing() {
      return listener.closing;
    },
    get maxHeadBytes() {
      return listener.maxHeadBytes;
    },
    get headersTimeoutMs() {
      return listener.server.headersTimeout;
    },
    get sticky() {
      return handlers.sticky();
    },
    routeFor: (name) => handlers.route(name),
    handOff: (socket, pending) => {
      if (pending !== undefined) socket.unshift(pending);
      httpConnection.call(server, socket);
      if (socket.isPaused()) socket.resume();
    },
    inflightChanged: (delta) => {
      listener.inflight += delta;
      if (listener.inflight === 0) listener.onIdle?.();
    },
    forget: (connection) => listener.fast.delete(connection),
  };
  server.on('connection', (socket: Socket) => listener.fast.add(acceptFast(socket, host)));
}

/** Closes fast-path connections: the idle ones only, or all. */
function closeFast(listener: Listener, all: boolean): void {
  for (const connection of listener.fast) if (all || connection.exchange === undefined) connection.socket.destroy();
}

/** Applies limits that live on the server (they apply to connections accepted from now on). */
export function applyServerLimits(listener: Listener, limits: ProxyLimits): void {
  listener.maxHeadBytes = limits.maxHeaderBytes;
  // Node reads maxHeaderSize from the server for every new connection; the typings omit the property.
  (listener.server as { maxHeaderSize?: number }).maxHeaderSize = limits.maxHeaderBytes;
  listener.server.headersTimeout = limits.headersTimeoutMs;
}

/**
 * Stops accepting, waits for in-flight requests and tunnels (at most `timeoutMs`), then closes every
 * connection. With `handover` (another process keeps serving the same socket) idle keep-alive
 * connections are not closed at once, which races a client sending its next request on one: each
 * connection closes after its next response (which says `Connection: close`) or its keep-alive period.
 */
export async function drainListener(listener: Listener, timeoutMs: number, handover = false): Promise<void> {
  listener.closing = true;
  if (handover) return handOver(listener, timeoutMs);
  const closed = new Promise<void>((resolve) => listener.server.close(() => resolve()));
  listener.server.closeIdleConnections();
  closeFast(listener, false);
  if (listener.inflight > 0) {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      listener.onIdle = resolve;
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }
  for (const socket of listener.tunnels) socket.destroy();
  closeFast(listener, true);
  listener.server.closeAllConnections();
  await closed;
}

async function handOver(listener: Listener, timeoutMs: number): Promise<void> {
  const server = listener.server;
  // net's close stops accepting and waits for every connection; http's would first close the idle ones.
  const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  for (const socket of listener.tunnels) socket.destroy();
  closeFast(listener, true);
  server.closeAllConnections();
  // Also stops Node's header-timeout checks, which only http's close clears.
  server.close(() => undefined);
  await closed;
}
