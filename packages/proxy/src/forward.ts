import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@sluice/domain';
import { filterResponseHeaders } from './forward-headers.js';
import type { ScannedRequest } from './forward-headers.js';
import type { Target } from './route-table.js';
import type { ErrorCause } from './observation.js';

/** The state of one proxied request, shared by the forwarder and the proxy's completion handler. */
export interface Exchange {
  readonly service: string;
  readonly version: string;
  /** Set-Cookie value to add to the response when the proxy minted a new stickiness key. */
  readonly setCookie: string | undefined;
  /** The listener serving the request; once it drains, responses ask the client to close. */
  readonly owner: { readonly closing: boolean };
  /** What chose the version: a rule name or "split". */
  readonly route: string;
  /** Why the proxy (not the client) failed the exchange; undefined while all is well. */
  error: string | undefined;
  /** The bounded category of `error`, for metrics. */
  cause: ErrorCause | undefined;
  /** The upstream request in flight, to abort when the client goes away. */
  upstream: ClientRequest | undefined;
  /** True once upstream response headers arrived: from then on a failure can only cut the stream. */
  responded: boolean;
}

// Methods safe to resend when a pooled keep-alive socket turns out to be closed by the upstream.
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** Sends the request to `target` and streams the answer back. Never throws; failures end as 502 or a cut stream. */
export function forward(req: IncomingMessage, res: ServerResponse, target: Target, scanned: ScannedRequest, exchange: Exchange): void {
  send(req, res, target, scanned, exchange, true);
}

function send(req: IncomingMessage, res: ServerResponse, target: Target, scanned: ScannedRequest, exchange: Exchange, mayRetry: boolean): void {
  const upstream = target.request(
    {
      agent: target.agent,
      hostname: target.hostname,
      port: target.port,
      method: req.method ?? 'GET',
      path: upstreamPath(target, req.url ?? '/'),
      headers: scanned.headers,
    },
    (upRes) => relay(upRes, res, exchange),
  );
  exchange.upstream = upstream;
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (res.destroyed) return; // the client left first; the proxy aborted this upstream on purpose
    if (exchange.responded) {
      exchange.error ??= `upstream ${target.url} failed mid-response: ${error.message}`;
      exchange.cause ??= 'reset';
      res.destroy();
      return;
    }
    if (mayRetry && upstream.reusedSocket && error.code === 'ECONNRESET' && !scanned.hasBody && RETRYABLE.has(req.method ?? '')) {
      send(req, res, target, scanned, exchange, false);
      return;
    }
    exchange.error = `upstream ${target.url} failed: ${error.message}`;
    exchange.cause = causeOf(error);
    const message = `${exchange.service} version ${exchange.version}: upstream ${target.url} failed before responding (${error.code ?? error.message})`;
    if (res.headersSent) res.destroy();
    else sendError(res, 502, message, exchange);
  });
  if (scanned.hasBody) req.pipe(upstream);
  else upstream.end();
}

function relay(upRes: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
  exchange.responded = true;
  if (res.destroyed) {
    upRes.destroy();
    return;
  }
  const headers = filterResponseHeaders(upRes.rawHeaders);
  appendProxyHeaders(headers, exchange);
  res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
  upRes.once('close', () => {
    if (upRes.complete || res.destroyed) return;
    exchange.error ??= 'upstream closed the connection mid-response';
    exchange.cause ??= 'reset';
    res.destroy();
  });
  upRes.pipe(res);
}

/** Answers with the API's JSON error shape; used for 502 (upstream failed) and 503 (no endpoint). */
export function sendError(res: ServerResponse, status: number, message: string, exchange: Exchange): void {
  const body = JSON.stringify({ error: { code: ErrorCode.ADAPTER_FAILED, message } });
  const headers = ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), 'cache-control', 'no-store'];
  appendProxyHeaders(headers, exchange);
  res.writeHead(status, headers);
  res.end(body);
}

function appendProxyHeaders(headers: string[], exchange: Exchange): void {
  headers.push('x-sluice-version', exchange.version);
  if (exchange.setCookie !== undefined) headers.push('set-cookie', exchange.setCookie);
  if (exchange.owner.closing) headers.push('connection', 'close');
}

function upstreamPath(target: Target, url: string): string {
  // Origin-form ("/path?q") is the norm; absolute-form ("http://host/path") is reduced to its path.
  let path = url;
  if (url.charCodeAt(0) !== 47 && url !== '*') {
    try {
      const parsed = new URL(url);
      path = parsed.pathname + parsed.search;
    } catch {
      path = '/';
    }
  }
  return target.pathPrefix === '' ? path : target.pathPrefix + path;
}

/** Maps a socket error to its metrics category. */
function causeOf(error: NodeJS.ErrnoException): ErrorCause {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'reset';
    default:
      return 'other';
  }
}
