import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { answeredWithClose, Exchange, failExchange } from './exchange.js';
import type { ProxyRequest, ProxyResponse } from './exchange.js';
import { forward } from './forward.js';
import { scanRequestHeaders } from './forward-headers.js';
import type { ScannedRequest } from './forward-headers.js';
import type { Listener } from './listener.js';
import type { ProxyObservation } from './observation.js';
import { pickVersion } from './pick-version.js';
import { badRequest, limitFailure, rawErrorResponse, upstreamFailure } from './proxy-error.js';
import type { ProxyFailure } from './proxy-error.js';
import { hasAvailable, nextInstance } from './route-table.js';
import type { Pool, RouteSnapshot } from './route-table.js';
import { STICKY_COOKIE_ATTRIBUTES } from './sticky-key.js';
import type { UpstreamInstance } from './upstream-instance.js';
import { ruleVersion } from '@sluice/domain';
import { NodeRequestView } from './request-view.js';
import { startMirror } from './mirror.js';

/** What the request handlers need from the route they serve. */
export interface RouteContext {
  /** The route's current compiled table; read once per request. */
  readonly snapshot: RouteSnapshot;
  /** Mints a stickiness key for a request that has none. */
  readonly randomKey: () => string;
  /** Hands a finished request to the observer (never throws). */
  report(observation: ProxyObservation): void;
}

/** How long a connection answered with a parse error may keep sending before it is cut. */
const LINGER_MS = 1000;

/** Serves one request: checks framing and limits, picks the version and instance, and forwards it. */
export function serveRequest(route: RouteContext, listener: Listener, req: ProxyRequest, res: ProxyResponse, expectsContinue: boolean): void {
  // node:http closes the socket once the earlier answer is out; this request gets none.
  if (answeredWithClose(req)) return void req.resume();
  const snapshot = route.snapshot;
  const scanned = scanRequestHeaders(req.rawHeaders, snapshot, req.socket.remoteAddress, req.httpVersionMinor === 0);
  const exchange = new Exchange(req, res, snapshot, scanned, listener);
  req.exchange = exchange;
  res.exchange = exchange;
  listener.inflight++;
  res.once('close', () => finish(route, listener, exchange));
  req.socket.setTimeout(snapshot.limits.idleTimeoutMs);
  const problem = requestProblem(req, scanned, snapshot);
  if (problem !== undefined) {
    failExchange(exchange, problem, true);
    return;
  }
  const instance = choose(route, exchange, req);
  if (instance === undefined) {
    failExchange(exchange, noInstance(snapshot.service, exchange.version, exchange.pool), scanned.hasBody);
    return;
  }
  if (expectsContinue) res.writeContinue();
  startMirror(exchange);
  forward(exchange, instance);
}

/** The routing fields a request or a tunnel carries. */
export interface Routed {
  readonly snapshot: RouteSnapshot;
  readonly scanned: ScannedRequest;
  version: string;
  route: string;
  pool: Pool | undefined;
  setCookie: string | undefined;
  /** The sticky key, kept only when a version other than stable serves it (exposure counts distinct keys). */
  exposedKey: string | undefined;
}

/**
 * Picks the version (sticky key, else a minted one sent back as a cookie) and an available instance.
 * A canary with no available instance must not cost users an error while stable can serve them.
 */
export function choose(route: RouteContext, target: Routed, req: IncomingMessage): UpstreamInstance | undefined {
  const snapshot = target.snapshot;
  let key = target.scanned.key;
  if (key === undefined) {
    key = route.randomKey();
    target.setCookie = `${snapshot.cookie}=${key}${STICKY_COOKIE_ATTRIBUTES}`;
  }
  // Ordered rules first (only routes that have rules pay for reading attributes), then the split.
  const matched = snapshot.rules?.match(new NodeRequestView(req, key));
  let version = matched === undefined ? pickVersion(snapshot.split, key) : ruleVersion(matched.rule, snapshot.split, key);
  if (version !== snapshot.split.stable && !hasAvailable(snapshot.pools.get(version))) version = snapshot.split.stable;
  target.version = version;
  if (version !== snapshot.split.stable) target.exposedKey = key;
  target.route = matched === undefined ? 'split' : matched.rule.name;
  target.pool = snapshot.pools.get(version);
  return nextInstance(target.pool);
}

/** Why a request must be answered by the proxy before routing, or undefined when it may go on. */
export function requestProblem(req: IncomingMessage, scanned: ScannedRequest, snapshot: RouteSnapshot): ProxyFailure | undefined {
  if (req.httpVersionMajor !== 1) return badRequest(`HTTP/${req.httpVersion} is not supported; expected HTTP/1.1 or HTTP/1.0`, 505);
  if (scanned.problem !== undefined) return scanned.problem;
  if (req.httpVersionMinor === 1 && scanned.host === undefined) return badRequest('the HTTP/1.1 request has no Host header; expected one');
  if (scanned.contentLength > snapshot.limits.maxBodyBytes) {
    return limitFailure(413, 'limit', `the request body to ${snapshot.service} is too large (Content-Length ${scanned.contentLength})`, snapshot.limits, 'maxBodyBytes');
  }
  return undefined;
}

/** 503 for a version with no instance to take the request, saying why. */
export function noInstance(service: string, version: string, pool: Pool | undefined): ProxyFailure {
  const instances = pool?.instances ?? [];
  if (instances.length === 0) return upstreamFailure(503, 'no-endpoint', `no ready instance of ${service} version ${version}`);
  const counts = new Map<string, number>();
  for (const instance of instances) counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1);
  const why = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  return upstreamFailure(503, 'no-endpoint', `no healthy instance of ${service} version ${version} (${why} of ${instances.length})`);
}

function finish(route: RouteContext, listener: Listener, exchange: Exchange): void {
  exchange.closed = true;
  exchange.clearTimers();
  if (--listener.inflight === 0) listener.onIdle?.();
  const res = exchange.res;
  const complete = res.writableFinished;
  if (!complete) exchange.upstream?.destroy();
  const status = complete ? res.statusCode : exchange.error === undefined ? 499 : res.statusCode;
  route.report(observationOf(exchange, status));
}

export function observationOf(exchange: Exchange, status: number): ProxyObservation {
  const { version, route, error, cause, exposedKey } = exchange;
  const service = exchange.snapshot.service;
  const durationMs = performance.now() - exchange.start;
  const base: ProxyObservation = exposedKey === undefined ? { service, version, route, status, durationMs } : { service, version, route, status, durationMs, key: exposedKey };
  return error === undefined ? base : { ...base, error, cause: cause ?? 'other' };
}

/**
 * A parse error or header timeout on a client connection. With a request in flight (a bad chunk mid-body)
 * its exchange ends with the error; otherwise the answer is written to the socket, which then closes.
 */
export function onClientError(route: RouteContext, error: NodeJS.ErrnoException, socket: Socket): void {
  const failure = clientFailure(route.snapshot, error);
  const exchange = currentExchange(socket);
  if (failure === undefined) {
    socket.destroy();
    return;
  }
  if (exchange !== undefined && !exchange.closed) {
    failExchange(exchange, failure, true);
    return;
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // end() rather than destroy(): destroying with unread input resets the connection under the answer.
  socket.end(rawErrorResponse(failure));
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  route.report({ service: route.snapshot.service, version: '', route: '', status: failure.status, durationMs: 0, error: failure.message, cause: failure.cause });
}

function clientFailure(snapshot: RouteSnapshot, error: NodeJS.ErrnoException): ProxyFailure | undefined {
  const code = error.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW') return limitFailure(431, 'limit', `the request head to ${snapshot.service} is too large`, snapshot.limits, 'maxHeaderBytes');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return limitFailure(408, 'limit', `the client did not send the request head to ${snapshot.service} in time`, snapshot.limits, 'headersTimeoutMs');
  }
  if (!code.startsWith('HPE_')) return undefined;
  const reason = (error as { reason?: string }).reason ?? error.message;
  return badRequest(`the request is malformed and was not forwarded: ${reason} (${code})`);
}

/**
 * A client socket idle for idleTimeoutMs: 408 while its request is incomplete, a cut while it does not
 * read the response, nothing while it waits for the upstream. A keep-alive connection with no request closes.
 */
export function onClientTimeout(socket: Socket): void {
  const exchange = currentExchange(socket);
  if (exchange === undefined || exchange.closed) {
    socket.destroy();
    return;
  }
  const { limits, service } = exchange.snapshot;
  if (!exchange.req.complete) failExchange(exchange, limitFailure(408, 'limit', `the client stopped sending its request to ${service}`, limits, 'idleTimeoutMs'), true);
  else if (exchange.responded) failExchange(exchange, limitFailure(504, 'limit', `the client stopped reading the response from ${service}`, limits, 'idleTimeoutMs'), false);
}

/** The exchange of the response a socket is serving, if any (Node keeps it as `_httpMessage`). */
function currentExchange(socket: Socket): Exchange | undefined {
  const res = (socket as Socket & { _httpMessage?: ProxyResponse | null })._httpMessage;
  return res?.exchange;
}
