import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { filterResponseHeaders, scanRequestHeaders } from './forward-headers.js';
import type { ScannedRequest } from './forward-headers.js';
import type { Listener } from './listener.js';
import type { ErrorCause } from './observation.js';
import { limitFailure, rawErrorResponse, upstreamFailure } from './proxy-error.js';
import type { ProxyFailure } from './proxy-error.js';
import type { Pool, RouteSnapshot } from './route-table.js';
import { choose, noInstance, requestProblem } from './serve-request.js';
import type { RouteContext, Routed } from './serve-request.js';
import type { UpstreamInstance } from './upstream-instance.js';

/** One upgraded (or upgrading) connection. */
class Tunnel implements Routed {
  readonly start = performance.now();
  version = '';
  route = '';
  pool: Pool | undefined = undefined;
  setCookie: string | undefined = undefined;
  exposedKey: string | undefined = undefined;
  error: string | undefined = undefined;
  cause: ErrorCause | undefined = undefined;
  upstream: Socket | undefined = undefined;
  /** Status relayed to the client: 101 once switched, 0 before any answer. */
  status = 0;
  done = false;

  constructor(
    readonly context: RouteContext,
    readonly listener: Listener,
    readonly snapshot: RouteSnapshot,
    readonly scanned: ScannedRequest,
    readonly client: Socket,
  ) {}
}

// How long a refused client may keep the connection before it is cut.
const LINGER_MS = 1000;

/**
 * Serves an `Upgrade` request (WebSocket and the like): picks the version as for any request, sends the
 * handshake upstream and, once the upstream switches protocols, relays its 101 and pipes both sockets.
 * An upstream that declines gets its answer relayed, then the connection closes.
 */
export function serveUpgrade(context: RouteContext, listener: Listener, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const snapshot = context.snapshot;
  const scanned = scanRequestHeaders(req.rawHeaders, snapshot, socket.remoteAddress, req.httpVersionMinor === 0);
  const tunnel = new Tunnel(context, listener, snapshot, scanned, socket);
  listener.inflight++;
  listener.tunnels.add(socket);
  socket.on('error', () => close(tunnel));
  socket.on('close', () => close(tunnel));
  const problem = requestProblem(req, scanned, snapshot);
  const instance = problem === undefined ? choose(context, tunnel, req) : undefined;
  if (problem !== undefined || instance === undefined) {
    refuse(tunnel, problem ?? noInstance(snapshot.service, tunnel.version, tunnel.pool));
    return;
  }
  connect(tunnel, instance, req, head);
}

function connect(tunnel: Tunnel, instance: UpstreamInstance, req: IncomingMessage, head: Buffer): void {
  const { scanned, snapshot } = tunnel;
  const limits = snapshot.limits;
  const headers = [...scanned.headers, 'host', instance.authority, 'connection', 'upgrade', 'upgrade', scanned.upgrade ?? ''];
  const upstream = instance.request({
    hostname: instance.hostname,
    port: instance.port,
    method: req.method ?? 'GET',
    path: instance.pathPrefix + (req.url ?? '/'),
    headers,
    // A tunnel holds its connection for good: it does not come from, or go back to, the keep-alive pool.
    agent: false,
    timeout: limits.connectTimeoutMs,
  });
  const where = `${snapshot.service} version ${tunnel.version}: upstream ${instance.url}`;
  upstream.on('timeout', () => {
    if (tunnel.status !== 0) return;
    upstream.destroy();
    refuse(tunnel, limitFailure(504, 'timeout', `${where} did not answer the upgrade in time`, limits, 'connectTimeoutMs'));
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (tunnel.status !== 0) return;
    snapshot.outlier.failure(instance, tunnel.pool!.instances);
    refuse(tunnel, upstreamFailure(502, error.code === 'ECONNREFUSED' ? 'refused' : 'reset', `${where} failed the upgrade (${error.code ?? error.message})`));
  });
  upstream.on('response', (response: IncomingMessage) => declined(tunnel, response));
  upstream.on('upgrade', (response: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
    snapshot.outlier.success(instance);
    switched(tunnel, response, upSocket, upHead, head);
  });
  upstream.end();
}

function switched(tunnel: Tunnel, response: IncomingMessage, upSocket: Socket, upHead: Buffer, head: Buffer): void {
  const { client } = tunnel;
  tunnel.upstream = upSocket;
  tunnel.status = 101;
  upSocket.on('error', () => close(tunnel));
  upSocket.on('close', () => close(tunnel));
  if (tunnel.done) {
    upSocket.destroy();
    return;
  }
  const extra = ['x-sluice-version', tunnel.version];
  if (tunnel.setCookie !== undefined) extra.push('set-cookie', tunnel.setCookie);
  client.write(responseHead(response, [...response.rawHeaders, ...extra]));
  if (upHead.length > 0) client.write(upHead);
  if (head.length > 0) upSocket.write(head);
  const idle = tunnel.snapshot.limits.idleTimeoutMs;
  for (const socket of [client, upSocket]) {
    socket.setNoDelay(true);
    socket.setTimeout(idle);
    socket.on('timeout', () => {
      tunnel.error ??= `the tunnel was silent for too long (limit idleTimeoutMs = ${idle} ms)`;
      tunnel.cause ??= 'timeout';
      close(tunnel);
    });
  }
  client.pipe(upSocket);
  upSocket.pipe(client);
  // One side finished: the pipe passes its FIN on; the other side gets a moment to finish too, then both close.
  const lingerThenClose = (): void => void setTimeout(() => close(tunnel), LINGER_MS).unref();
  client.once('end', lingerThenClose);
  upSocket.once('end', lingerThenClose);
}

/** The upstream answered without switching protocols: relay that answer, delimited by closing the connection. */
function declined(tunnel: Tunnel, response: IncomingMessage): void {
  tunnel.status = response.statusCode ?? 502;
  if (tunnel.done) {
    response.destroy();
    return;
  }
  const filtered = filterResponseHeaders(response.rawHeaders);
  const headers: string[] = [];
  for (let i = 0; i + 1 < filtered.length; i += 2) if (filtered[i]!.toLowerCase() !== 'content-length') headers.push(filtered[i]!, filtered[i + 1]!);
  headers.push('x-sluice-version', tunnel.version, 'connection', 'close');
  tunnel.client.write(responseHead(response, headers));
  response.on('error', () => close(tunnel));
  response.pipe(tunnel.client);
}

function refuse(tunnel: Tunnel, failure: ProxyFailure): void {
  const { client } = tunnel;
  if (tunnel.done || tunnel.status !== 0) return;
  tunnel.error = failure.message;
  tunnel.cause = failure.cause;
  tunnel.status = failure.status;
  if (!client.writable) {
    client.destroy();
    return;
  }
  client.end(rawErrorResponse(failure));
  setTimeout(() => client.destroy(), LINGER_MS).unref();
}

function close(tunnel: Tunnel): void {
  if (tunnel.done) return;
  tunnel.done = true;
  const { listener, client, upstream, version, route, error, cause } = tunnel;
  client.destroy();
  upstream?.destroy();
  listener.tunnels.delete(client);
  if (--listener.inflight === 0) listener.onIdle?.();
  const status = tunnel.status === 0 ? 499 : tunnel.status;
  const key = tunnel.exposedKey === undefined ? {} : { key: tunnel.exposedKey };
  const base = { service: tunnel.snapshot.service, version, route, status, durationMs: performance.now() - tunnel.start, ...key };
  tunnel.context.report(error === undefined ? base : { ...base, error, cause: cause ?? 'other' });
}

function responseHead(response: IncomingMessage, headers: readonly string[]): string {
  let head = `HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]!}: ${headers[i + 1]!}\r\n`;
  return `${head}\r\n`;
}
