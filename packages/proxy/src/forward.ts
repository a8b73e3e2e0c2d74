import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { failExchange, appendProxyHeaders } from './exchange.js';
import type { Exchange, ProxyRequest } from './exchange.js';
import { filterResponseHeaders } from './forward-headers.js';
import type { ErrorCause } from './observation.js';
import { limitFailure, upstreamFailure } from './proxy-error.js';
import type { ProxyFailure } from './proxy-error.js';
import { CONNECT_TIMEOUT, retryTarget } from './retry-policy.js';
import { upstreamPath, type UpstreamInstance } from './upstream-instance.js';
import { teeBody } from './mirror.js';

const HEADERS_TIMEOUT = 'SLUICE_HEADERS_TIMEOUT';
const IDLE_TIMEOUT = 'SLUICE_IDLE_TIMEOUT';

/**
 * Sends the request to `instance` and streams the answer back, resending it elsewhere only when safe.
 * Never throws; every failure ends as a JSON error (502/504, 408/413) or a cut stream.
 */
export function forward(exchange: Exchange, instance: UpstreamInstance): void {
  const limits = exchange.snapshot.limits;
  if (limits.requestTimeoutMs > 0) exchange.totalTimer = setTimeout(onTotalTimeout, limits.requestTimeoutMs, exchange);
  exchange.hostAt = exchange.scanned.headers.push('host', instance.authority) - 1;
  attempt(exchange, instance);
}

function attempt(exchange: Exchange, instance: UpstreamInstance): void {
  const { req, scanned } = exchange;
  const limits = exchange.snapshot.limits;
  exchange.attempts++;
  exchange.instance = instance;
  instance.inflight++;
  scanned.headers[exchange.hostAt] = instance.authority;
  const upstream = instance.request({
    agent: instance.agent,
    hostname: instance.hostname,
    port: instance.port,
    method: req.method ?? 'GET',
    path: upstreamPath(instance, req.url ?? '/'),
    headers: scanned.headers,
    timeout: limits.idleTimeoutMs,
  });
  exchange.upstream = upstream;
  let connected = false;
  upstream.on('socket', (socket: Socket) => {
    if (!socket.connecting) {
      connected = true;
      startBody(exchange, upstream);
      return;
    }
    socket.setTimeout(limits.connectTimeoutMs);
    socket.once('connect', () => {
      connected = true;
      socket.setTimeout(limits.idleTimeoutMs);
      startBody(exchange, upstream);
    });
  });
  upstream.on('timeout', () => onUpstreamTimeout(exchange, upstream, connected));
  upstream.on('finish', () => {
    if (exchange.upstream === upstream && !exchange.responded) exchange.headersTimer = setTimeout(onHeadersTimeout, limits.headersTimeoutMs, exchange);
  });
  upstream.on('response', (response: IncomingMessage) => relay(exchange, upstream, response));
  upstream.on('error', (error: NodeJS.ErrnoException) => onAttemptError(exchange, upstream, instance, error));
  upstream.on('close', () => instance.release());
  if (!scanned.hasBody) upstream.end();
}

/** Streams the client's body once the upstream connection is open, so a refused connection consumed none of it. */
function startBody(exchange: Exchange, upstream: ClientRequest): void {
  if (!exchange.scanned.hasBody || exchange.upstream !== upstream || exchange.failed) return;
  exchange.bodyStarted = true;
  // Attached only now: a 'data' listener sets the body flowing, and nothing may flow before the pipe.
  if (exchange.scanned.chunked) exchange.req.on('data', countBody);
  teeBody(exchange);
  exchange.req.pipe(upstream);
}

function relay(exchange: Exchange, upstream: ClientRequest, response: IncomingMessage): void {
  const { res, snapshot } = exchange;
  if (exchange.upstream !== upstream || exchange.failed || exchange.closed) {
    response.destroy();
    return;
  }
  clearHeadersTimer(exchange);
  exchange.responded = true;
  exchange.response = response;
  const status = response.statusCode ?? 502;
  const instance = exchange.instance!;
  if (status >= 500) snapshot.outlier.failure(instance, exchange.pool!.instances);
  else snapshot.outlier.success(instance);
  const headers = filterResponseHeaders(response.rawHeaders);
  appendProxyHeaders(headers, exchange);
  res.writeHead(status, response.statusMessage, headers);
  response.once('close', () => {
    if (response.complete || res.destroyed || exchange.failed) return;
    failExchange(exchange, upstreamFailure(502, 'reset', `${where(exchange)}: upstream ${instance.url} closed the connection mid-response`), false);
  });
  response.pipe(res);
}

function onAttemptError(exchange: Exchange, upstream: ClientRequest, instance: UpstreamInstance, error: NodeJS.ErrnoException): void {
  // A superseded attempt, an exchange the proxy already answered, or a client that left: nothing to do.
  if (exchange.upstream !== upstream || exchange.failed || exchange.closed || exchange.response?.complete === true) return;
  clearHeadersTimer(exchange);
  const failure = classify(exchange, instance, error);
  if (exchange.responded) {
    failExchange(exchange, failure, false);
    return;
  }
  // A pooled socket the upstream closed while idle is a keep-alive race, not a sign of a failing instance.
  const staleSocket = upstream.reusedSocket && error.code === 'ECONNRESET';
  if (!staleSocket) exchange.snapshot.outlier.failure(instance, exchange.pool!.instances);
  const next = retryTarget(exchange, instance, error.code ?? '', {
    method: exchange.req.method ?? '',
    hasBody: exchange.scanned.hasBody,
    // The body streams only once connected, so a refused connection consumed none of it.
    nothingSent: !exchange.bodyStarted,
  });
  if (next !== undefined) attempt(exchange, next);
  else failExchange(exchange, failure, !exchange.req.complete);
}

function classify(exchange: Exchange, instance: UpstreamInstance, error: NodeJS.ErrnoException): ProxyFailure {
  const limits = exchange.snapshot.limits;
  const upstream = `${where(exchange)}: upstream ${instance.url}`;
  switch (error.code) {
    case CONNECT_TIMEOUT:
      return limitFailure(504, 'timeout', `${upstream} did not accept the connection in time`, limits, 'connectTimeoutMs');
    case HEADERS_TIMEOUT:
      return limitFailure(504, 'timeout', `${upstream} sent no response headers in time`, limits, 'headersTimeoutMs');
    case IDLE_TIMEOUT:
      return limitFailure(504, 'timeout', `${upstream} went silent`, limits, 'idleTimeoutMs');
  }
  if (exchange.responded) return upstreamFailure(502, 'reset', `${upstream} failed mid-response: ${error.message}`);
  return upstreamFailure(502, causeOf(error), `${upstream} failed before responding (${error.code ?? error.message})`);
}

/** Counts a chunked body as it streams; past maxBodyBytes the exchange ends with 413 and the upstream is aborted. */
function countBody(this: ProxyRequest, chunk: Buffer): void {
  const exchange = this.exchange!;
  exchange.bodyBytes += chunk.length;
  const limits = exchange.snapshot.limits;
  if (exchange.bodyBytes <= limits.maxBodyBytes) return;
  this.removeListener('data', countBody);
  failExchange(exchange, limitFailure(413, 'limit', `the request body to ${exchange.snapshot.service} is too large`, limits, 'maxBodyBytes'), true);
}

/** The upstream socket was silent: while the client is still sending, the client is the slow one (408). */
function onUpstreamTimeout(exchange: Exchange, upstream: ClientRequest, connected: boolean): void {
  if (!connected) return void upstream.destroy(codedError(CONNECT_TIMEOUT));
  if (exchange.req.complete || exchange.upstream !== upstream) return void upstream.destroy(codedError(IDLE_TIMEOUT));
  const { limits, service } = exchange.snapshot;
  failExchange(exchange, limitFailure(408, 'limit', `the client stopped sending its request to ${service}`, limits, 'idleTimeoutMs'), true);
}

function onHeadersTimeout(exchange: Exchange): void {
  exchange.headersTimer = undefined;
  exchange.upstream?.destroy(codedError(HEADERS_TIMEOUT));
}

/** The whole-exchange limit: 408 while the client is still sending, 504 while the upstream has not answered, else a cut. */
export function onTotalTimeout(exchange: Exchange): void {
  exchange.totalTimer = undefined;
  const limits = exchange.snapshot.limits;
  if (!exchange.req.complete) {
    failExchange(exchange, limitFailure(408, 'limit', `the client did not send the whole request to ${exchange.snapshot.service} in time`, limits, 'requestTimeoutMs'), true);
    return;
  }
  const upstream = `${where(exchange)}: upstream ${exchange.instance?.url ?? ''}`;
  const what = exchange.responded ? `${upstream} did not finish the response in time` : `${upstream} did not answer in time`;
  failExchange(exchange, limitFailure(504, 'timeout', what, limits, 'requestTimeoutMs'), false);
}

function clearHeadersTimer(exchange: Exchange): void {
  if (exchange.headersTimer === undefined) return;
  clearTimeout(exchange.headersTimer);
  exchange.headersTimer = undefined;
}

function where(exchange: Exchange): string {
  return `${exchange.snapshot.service} version ${exchange.version}`;
}

function codedError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/** Maps a socket error to its metrics category. */
function causeOf(error: NodeJS.ErrnoException): ErrorCause {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'reset';
    default:
      return 'other';
  }
}
