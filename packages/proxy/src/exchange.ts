import { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientRequest, IncomingMessage as UpstreamResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ScannedRequest } from './forward-headers.js';
import type { ErrorCause } from './observation.js';
import { errorBody } from './proxy-error.js';
import type { ProxyFailure } from './proxy-error.js';
import type { Pool, RouteSnapshot } from './route-table.js';
import type { UpstreamInstance } from './upstream-instance.js';

/** The server's request class: carries its exchange so shared listeners need no closure. */
export class ProxyRequest extends IncomingMessage {
  exchange: Exchange | undefined = undefined;
}

/** The server's response class: carries its exchange (parse errors and socket timeouts find it from the socket). */
export class ProxyResponse extends ServerResponse<ProxyRequest> {
  exchange: Exchange | undefined = undefined;
}

/** The listener serving a request; once it drains, responses ask the client to close. */
export interface ExchangeOwner {
  readonly closing: boolean;
}

/** The state of one proxied request, shared by the forwarder, the timeouts and the completion handler. */
export class Exchange {
  readonly start = performance.now();
  readonly req: ProxyRequest;
  readonly res: ProxyResponse;
  readonly snapshot: RouteSnapshot;
  readonly scanned: ScannedRequest;
  readonly owner: ExchangeOwner;
  /** The version serving the request; "" when it was rejected before one was chosen. */
  version = '';
  /** What chose the version: a rule name or "split"; "" when rejected before routing. */
  route = '';
  /** Set-Cookie value to add to the response when the proxy minted a new stickiness key. */
  setCookie: string | undefined = undefined;
  exposedKey: string | undefined = undefined;
  /** Why the proxy (not the client leaving) failed the exchange; undefined while all is well. */
  error: string | undefined = undefined;
  /** The bounded category of `error`, for metrics. */
  cause: ErrorCause | undefined = undefined;
  /** The pool the instances are picked from. */
  pool: Pool | undefined = undefined;
  /** The instance of the current attempt. */
  instance: UpstreamInstance | undefined = undefined;
  /** The upstream request in flight, to abort when the client goes away. */
  upstream: ClientRequest | undefined = undefined;
  /** Instances already tried, kept once a first attempt failed. */
  tried: UpstreamInstance[] | undefined = undefined;
  /** True once upstream response headers arrived: from then on a failure can only cut the stream. */
  responded = false;
  /** The upstream response being relayed. */
  response: UpstreamResponse | undefined = undefined;
  /** True once the client's body started flowing upstream: a request with a body is never resent after that. */
  bodyStarted = false;
  /** The shadow copy of this request sent to the mirror version, while its body is being teed. */
  mirror: ClientRequest | undefined = undefined;
  /** Body bytes read so far (counted only for chunked bodies; a Content-Length was checked up front). */
  bodyBytes = 0;
  attempts = 0;
  /** True once the one retry allowed for failures other than a refused connection was used. */
  retried = false;
  /** Index in the upstream headers of the Host value, rewritten per attempt. */
  hostAt = -1;
  /** Set once the proxy answered or cut the exchange itself: later upstream events are ignored. */
  failed = false;
  /** Set when the response closed, however it ended. */
  closed = false;
  totalTimer: NodeJS.Timeout | undefined = undefined;
  headersTimer: NodeJS.Timeout | undefined = undefined;

  constructor(req: ProxyRequest, res: ProxyResponse, snapshot: RouteSnapshot, scanned: ScannedRequest, owner: ExchangeOwner) {
    this.req = req;
    this.res = res;
    this.snapshot = snapshot;
    this.scanned = scanned;
    this.owner = owner;
  }

  clearTimers(): void {
    if (this.totalTimer !== undefined) clearTimeout(this.totalTimer);
    if (this.headersTimer !== undefined) clearTimeout(this.headersTimer);
    this.totalTimer = undefined;
    this.headersTimer = undefined;
  }
}

/**
 * Ends the exchange with `failure`: aborts the upstream, and answers with the JSON error if nothing was
 * sent yet, else cuts the response. `close` asks the client to close the connection (its request was not
 * read to the end, or was ambiguous). The first failure is the one reported.
 */
export function failExchange(exchange: Exchange, failure: ProxyFailure, close: boolean): void {
  if (exchange.failed || exchange.closed) return;
  exchange.failed = true;
  exchange.error ??= failure.message;
  exchange.cause ??= failure.cause;
  exchange.clearTimers();
  const upstream = exchange.upstream;
  if (upstream !== undefined && !upstream.destroyed) upstream.destroy();
  const { res, req } = exchange;
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendFailure(res, failure, exchange, close);
  if (close) closingSockets.add(req.socket);
  // Read and drop what the client still sends, so closing does not reset the connection under the answer.
  if (close && !req.complete) req.resume();
}

/**
 * Connections whose answer said `Connection: close`. node:http has often parsed a request pipelined
 * behind it already (a body-less bad request, then another in the same packet) and emits it anyway;
 * it must not be served (RFC 9112 §9.6): forwarding it would smuggle it past the refused one.
 */
const closingSockets = new WeakSet<object>();

/** True when an earlier answer on this connection said it closes: the request must be dropped unread. */
export function answeredWithClose(req: IncomingMessage): boolean {
  return closingSockets.has(req.socket);
}

/** Answers with the JSON error body. */
export function sendFailure(res: ServerResponse, failure: ProxyFailure, exchange: Exchange, close: boolean): void {
  const body = errorBody(failure);
  const headers = ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), 'cache-control', 'no-store'];
  appendProxyHeaders(headers, exchange);
  if (close && !exchange.owner.closing) headers.push('connection', 'close');
  res.writeHead(failure.status, headers);
  res.end(body);
}

/** Adds the proxy's own response headers: the serving version and a minted stickiness cookie. */
export function appendProxyHeaders(headers: string[], exchange: Exchange): void {
  if (exchange.version !== '') headers.push('x-sluice-version', exchange.version);
  if (exchange.setCookie !== undefined) headers.push('set-cookie', exchange.setCookie);
  if (exchange.owner.closing) headers.push('connection', 'close');
}
