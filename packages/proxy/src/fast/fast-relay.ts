import { performance } from 'node:perf_hooks';
import { limitFailure, upstreamFailure } from '../proxy-error.js';
import type { ProxyFailure } from '../proxy-error.js';
import { CONNECT_TIMEOUT, retryTarget } from '../retry-policy.js';
import type { UpstreamInstance } from '../upstream-instance.js';
import { ChunkedScanner, MALFORMED } from './chunked-scanner.js';
import { CONNECTING, DONE, READING_BODY, RELAYING, totalTimeout, WAITING } from './fast-exchange.js';
import type { FastExchange } from './fast-exchange.js';
import { INVALID_HEAD, parseResponseHead } from './response-head.js';
import type { ResponseHead } from './response-head.js';
import { httpDate } from './http-date.js';
import { forgetSocket } from './upstream-pool.js';
import type { UpstreamEvents, UpstreamSocket } from './upstream-pool.js';

/** A response head larger than this is refused (502). */
const MAX_RESPONSE_HEAD = 64 * 1024;


/** The events of every fast upstream socket; `this` is the socket, its owner the exchange. */
export const UPSTREAM_EVENTS: UpstreamEvents = {
  read(this: UpstreamSocket, nread: number, buffer: Buffer) {
    UPSTREAM_EVENTS.data.call(this, buffer.subarray(0, nread));
    return true;
  },
  connect(this: UpstreamSocket) {
    const exchange = this.owner as FastExchange | undefined;
    if (exchange !== undefined && exchange.upstream === this && exchange.phase === CONNECTING) exchange.send(onTimer);
  },
  data(this: UpstreamSocket, chunk: Buffer) {
    const exchange = this.owner as FastExchange | undefined;
    if (exchange === undefined) {
      // Bytes on an idle connection: the upstream is out of step; never reuse it.
      forgetSocket(this);
      this.destroy();
      return;
    }
    exchange.activity++;
    if (exchange.phase === RELAYING) relayBody(exchange, chunk, undefined);
    else if (exchange.phase === WAITING) onHeadBytes(exchange, chunk);
  },
  end(this: UpstreamSocket) {
    const exchange = this.owner as FastExchange | undefined;
    if (exchange === undefined) {
      forgetSocket(this);
      this.destroy();
      return;
    }
    if (exchange.phase === RELAYING && exchange.framing === 'close') {
      exchange.finish(exchange.status, false);
      return;
    }
    attemptFailed(exchange, this, 'ECONNRESET', 'the upstream closed the connection');
  },
  error(this: UpstreamSocket, error: NodeJS.ErrnoException) {
    const exchange = this.owner as FastExchange | undefined;
    if (exchange === undefined) forgetSocket(this);
    else attemptFailed(exchange, this, error.code ?? 'ECONNRESET', error.message);
  },
  close(this: UpstreamSocket) {
    const exchange = this.owner as FastExchange | undefined;
    if (exchange === undefined) forgetSocket(this);
    else attemptFailed(exchange, this, 'ECONNRESET', 'the upstream connection closed');
  },
};

/** Sends the exchange to `instance`. */
export function startAttempt(exchange: FastExchange, instance: UpstreamInstance): void {
  exchange.attempt(instance, UPSTREAM_EVENTS, onTimer);
}

function onHeadBytes(exchange: FastExchange, chunk: Buffer): void {
  let buf = exchange.partial === undefined ? chunk : Buffer.concat([exchange.partial, chunk]);
  for (;;) {
    const head = parseResponseHead(buf, 0, buf.length, exchange.head.method === 'HEAD');
    if (head === undefined) {
      if (buf.length > MAX_RESPONSE_HEAD) return badResponse(exchange, `its response head is larger than ${MAX_RESPONSE_HEAD} bytes`);
      // The read buffer is reused: keep a copy.
      exchange.partial = Buffer.from(buf);
      return;
    }
    if (head === INVALID_HEAD) return badResponse(exchange, 'its response head is malformed');
    exchange.partial = undefined;
    if (head.status >= 200) return onResponseHead(exchange, head, buf.subarray(head.headEnd));
    // 101 was not asked for; other 1xx are interim (100 is not relayed: the fast path never sends Expect).
    if (head.status === 101) return badResponse(exchange, 'it switched protocols unasked');
    if (head.status !== 100) exchange.client.socket.write(`${head.statusLine}${head.kept}\r\n`, 'latin1');
    buf = buf.subarray(head.headEnd);
    if (buf.length === 0) return;
  }
}

function onResponseHead(exchange: FastExchange, head: ResponseHead, body: Buffer): void {
  const { snapshot } = exchange;
  const instance = exchange.instance!;
  if (head.status >= 500) snapshot.outlier.failure(instance, exchange.pool!.instances);
  else snapshot.outlier.success(instance);
  exchange.phase = RELAYING;
  exchange.status = head.status;
  exchange.framing = head.framing;
  exchange.remaining = head.length;
  exchange.reusable = !head.upstreamClose;
  if (head.framing === 'close') exchange.keepAlive = false;
  if (head.framing === 'chunked') scannerOf(exchange).reset();
  const keepAlive = exchange.keepAlive && !exchange.client.closing;
  exchange.keepAlive = keepAlive;
  const date = head.hasDate ? '' : `date: ${httpDate()}\r\n`;
  relayBody(exchange, body, `${head.statusLine}${head.kept}${date}${exchange.proxyFields(keepAlive)}\r\n`);
}

function scannerOf(exchange: FastExchange): ChunkedScanner {
  return (exchange.scanner ??= new ChunkedScanner());
}

/** Relays the part of `data` that belongs to the response (after `head`, when given) and ends it when complete. */
function relayBody(exchange: FastExchange, data: Buffer, head: string | undefined): void {
  let take = data.length;
  let done = false;
  switch (exchange.framing) {
    case 'none':
      take = 0;
      done = true;
      break;
    case 'length':
      take = Math.min(exchange.remaining, data.length);
      exchange.remaining -= take;
      done = exchange.remaining === 0;
      break;
    case 'chunked': {
      const end = scannerOf(exchange).scan(data, 0, data.length);
      if (end === MALFORMED) return malformedBody(exchange, head);
      done = end >= 0;
      if (done) take = end;
      break;
    }
    case 'close':
      break;
  }
  // Bytes past the end of the response: the upstream is out of step, so its connection is not reused.
  if (take < data.length) exchange.reusable = false;
  const ok = write(exchange, head, take === data.length ? data : data.subarray(0, take));
  if (done) exchange.finish(exchange.status, exchange.keepAlive, exchange.reusable);
  else if (!ok) exchange.upstream?.pause();
  if (!done && exchange.timerPhase !== RELAYING) exchange.arm(exchange.snapshot.limits.idleTimeoutMs, onTimer);
}

/** Below this, a body rides in the same string as its head: one write call, no writev. */
const INLINE_BODY = 4096;

/**
 * Writes to the client. `body` lives in the shared read buffer, so it is copied unless it rides in a
 * string: a socket may keep a buffer it could not write at once.
 */
function write(exchange: FastExchange, head: string | undefined, body: Buffer): boolean {
  const socket = exchange.client.socket;
  if (socket.destroyed) return true;
  if (head === undefined) return body.length === 0 ? true : socket.write(Buffer.from(body));
  if (body.length === 0) return socket.write(head, 'latin1');
  if (body.length <= INLINE_BODY) return socket.write(head + body.toString('latin1'), 'latin1');
  socket.cork();
  socket.write(head, 'latin1');
  const ok = socket.write(Buffer.from(body));
  socket.uncork();
  return ok;
}

function malformedBody(exchange: FastExchange, head: string | undefined): void {
  const failure = upstreamFailure(502, 'reset', `${exchange.where()} sent a malformed chunked body`);
  if (head !== undefined) exchange.respondFailure(failure, true);
  else exchange.cut(failure);
}

function badResponse(exchange: FastExchange, why: string): void {
  exchange.snapshot.outlier.failure(exchange.instance!, exchange.pool!.instances);
  exchange.respondFailure(upstreamFailure(502, 'other', `${exchange.where()} failed: ${why}`), false);
}

/** An attempt failed: resend it elsewhere when that is safe, else answer 502/504 (or cut a started response). */
function attemptFailed(exchange: FastExchange, socket: UpstreamSocket, code: string, message: string): void {
  if (exchange.upstream !== socket || exchange.phase === DONE) return;
  const instance = exchange.instance!;
  const phase = exchange.phase;
  // A pooled socket the upstream closed while idle is a keep-alive race, not a sign of a failing instance.
  // Part of a response head arrived: the upstream acted on the request, so it is never resent.
  const answered = exchange.partial !== undefined;
  exchange.partial = undefined;
  const stale = socket.reused && phase === WAITING && !answered && code !== 'ETIMEDOUT';
  exchange.releaseUpstream(false);
  if (phase === RELAYING) {
    exchange.cut(upstreamFailure(502, 'reset', `${exchange.where()} closed the connection mid-response: ${message}`));
    return;
  }
  if (!stale) exchange.snapshot.outlier.failure(instance, exchange.pool!.instances);
  const request = { method: exchange.head.method, hasBody: exchange.body !== undefined, nothingSent: phase === CONNECTING };
  const next = answered ? undefined : retryTarget(exchange, instance, code, request);
  if (next !== undefined) {
    exchange.disarm();
    startAttempt(exchange, next);
    return;
  }
  exchange.respondFailure(failureOf(exchange, instance, code, phase === CONNECTING), false);
}

function failureOf(exchange: FastExchange, instance: UpstreamInstance, code: string, connecting: boolean): ProxyFailure {
  const upstream = `${exchange.snapshot.service} version ${exchange.version}: upstream ${instance.url}`;
  if (code === CONNECT_TIMEOUT) return limitFailure(504, 'timeout', `${upstream} did not accept the connection in time`, exchange.snapshot.limits, 'connectTimeoutMs');
  const cause = code === 'ECONNREFUSED' ? 'refused' : code === 'ETIMEDOUT' ? 'timeout' : connecting ? 'other' : 'reset';
  return upstreamFailure(502, cause, `${upstream} failed before responding (${code})`);
}

/** The exchange's one timer fired: what it means depends on the phase it was armed in. */
export function onTimer(exchange: FastExchange): void {
  exchange.timer = undefined;
  if (exchange.phase === DONE) return;
  const limits = exchange.snapshot.limits;
  const elapsed = performance.now() - exchange.start;
  if (limits.requestTimeoutMs > 0 && elapsed >= limits.requestTimeoutMs - 1) return totalTimeout(exchange);
  switch (exchange.phase) {
    case READING_BODY:
      // Body bytes arrived since the timer was armed: the client is slow, not silent.
      if (exchange.activity !== exchange.seenActivity) return exchange.arm(limits.idleTimeoutMs, onTimer);
      return exchange.respondFailure(limitFailure(408, 'limit', `the client stopped sending its request to ${exchange.snapshot.service}`, limits, 'idleTimeoutMs'), true);
    case CONNECTING:
      return attemptFailed(exchange, exchange.upstream!, CONNECT_TIMEOUT, 'connect timeout');
    case WAITING:
      return exchange.respondFailure(limitFailure(504, 'timeout', `${exchange.where()} sent no response headers in time`, limits, 'headersTimeoutMs'), false);
    default:
      return relayIdle(exchange);
  }
}

function relayIdle(exchange: FastExchange): void {
  const limits = exchange.snapshot.limits;
  if (exchange.activity !== exchange.seenActivity) {
    exchange.arm(limits.idleTimeoutMs, onTimer);
    return;
  }
  const clientStalled = exchange.client.socket.writableNeedDrain;
  const what = clientStalled ? `the client stopped reading the response from ${exchange.snapshot.service}` : `${exchange.where()} went silent`;
  exchange.cut(limitFailure(504, clientStalled ? 'limit' : 'timeout', what, limits, 'idleTimeoutMs'));
}
