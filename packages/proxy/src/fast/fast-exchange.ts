import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ErrorCause, ProxyObservation } from '../observation.js';
import { errorBody, limitFailure } from '../proxy-error.js';
import type { ProxyFailure } from '../proxy-error.js';
import type { Pool, RouteSnapshot } from '../route-table.js';
import type { RouteContext } from '../serve-request.js';
import type { UpstreamInstance } from '../upstream-instance.js';
import type { ChunkedScanner } from './chunked-scanner.js';
import type { RequestHead } from './request-head.js';
import type { Framing } from './response-head.js';
import { acquireSocket, releaseSocket } from './upstream-pool.js';
import type { UpstreamEvents, UpstreamSocket } from './upstream-pool.js';

/** Phases of a fast exchange. */
export const READING_BODY = 0;
export const CONNECTING = 1;
export const WAITING = 2;
export const RELAYING = 3;
export const DONE = 4;

/** What an exchange needs from the client connection it serves. */
export interface ClientSide {
  readonly socket: Socket;
  /** The listener stopped taking new connections: responses ask the client to close. */
  readonly closing: boolean;
  /** Called once when the exchange ended; `keepAlive`: the connection may carry another request. */
  exchangeDone(keepAlive: boolean): void;
}

/** The state of one request on the fast path, from its head to the end of its response. */
export class FastExchange {
  readonly start = performance.now();
  readonly client: ClientSide;
  readonly context: RouteContext;
  readonly snapshot: RouteSnapshot;
  readonly head: RequestHead;
  phase = READING_BODY;
  /** The body (Content-Length, buffered whole: the fast path takes small bodies only). */
  body: Buffer | undefined = undefined;
  bodyRead = 0;
  version = '';
  route = '';
  setCookie: string | undefined = undefined;
  /** The sticky key when a version other than stable serves it (exposure counts distinct keys). */
  exposedKey: string | undefined = undefined;
  pool: Pool | undefined = undefined;
  instance: UpstreamInstance | undefined = undefined;
  upstream: UpstreamSocket | undefined = undefined;
  /** The request head for the upstream, without its request line and Host (they depend on the instance). */
  fields = '';
  attempts = 0;
  retried = false;
  tried: UpstreamInstance[] | undefined = undefined;
  /** Response head bytes received so far, while they do not yet end. */
  partial: Buffer | undefined = undefined;
  framing: Framing = 'none';
  /** Finds the end of a chunked response; made for the first chunked response only. */
  scanner: ChunkedScanner | undefined = undefined;
  remaining = 0;
  /** The upstream connection may carry another request once this response ends. */
  reusable = true;
  /** The client connection stays open after this response. */
  keepAlive: boolean;
  status = 0;
  /** Bumped by every relayed chunk; the idle timer compares it to see whether anything moved. */
  activity = 0;
  seenActivity = 0;
  timer: NodeJS.Timeout | undefined = undefined;
  timerPhase = -1;
  error: string | undefined = undefined;
  cause: ErrorCause | undefined = undefined;

  constructor(client: ClientSide, context: RouteContext, snapshot: RouteSnapshot, head: RequestHead) {
    this.client = client;
    this.context = context;
    this.snapshot = snapshot;
    this.head = head;
    this.keepAlive = head.keepAlive;
  }

  /** Arms the one timer of the exchange for `ms`, capped by the whole-exchange limit. */
  arm(ms: number, onTimer: (exchange: FastExchange) => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const total = this.snapshot.limits.requestTimeoutMs;
    const left = total > 0 ? total - (performance.now() - this.start) : Number.POSITIVE_INFINITY;
    this.timerPhase = this.phase;
    this.seenActivity = this.activity;
    this.timer = setTimeout(onTimer, Math.max(1, Math.min(ms, left)), this);
  }

  disarm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Opens (or reuses) a connection to `instance` and sends the request once it is open. */
  attempt(instance: UpstreamInstance, events: UpstreamEvents, onTimer: (exchange: FastExchange) => void): void {
    this.attempts++;
    this.partial = undefined;
    this.instance = instance;
    instance.inflight++;
    const socket = acquireSocket(instance, events, performance.now());
    socket.owner = this;
    this.upstream = socket;
    if (socket.connecting) {
      this.phase = CONNECTING;
      this.arm(this.snapshot.limits.connectTimeoutMs, onTimer);
      return;
    }
    this.send(onTimer);
  }

  /** Writes the request (head and body in one write) and waits for the response head. */
  send(onTimer: (exchange: FastExchange) => void): void {
    const socket = this.upstream!;
    const instance = this.instance!;
    const head = `${this.head.method} ${instance.pathPrefix}${this.head.target} HTTP/1.1\r\nhost: ${instance.authority}\r\n${this.fields}`;
    this.phase = WAITING;
    if (this.body === undefined) {
      socket.write(head, 'latin1');
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(this.body);
      socket.uncork();
    }
    this.arm(this.snapshot.limits.headersTimeoutMs, onTimer);
  }

  /** Gives the upstream connection back (pooled when it may carry another request) and ends the attempt. */
  releaseUpstream(reuse: boolean): void {
    const socket = this.upstream;
    if (socket === undefined) return;
    this.upstream = undefined;
    socket.owner = undefined;
    if (reuse) {
      if (socket.isPaused()) socket.resume();
      releaseSocket(socket, performance.now());
    }
    else socket.destroy();
    this.instance!.release();
  }

  /** Ends the exchange: frees the upstream (pooled with `reuse`), reports it, and hands the client connection back. */
  finish(status: number, keepAlive: boolean, reuse = false): void {
    if (this.phase === DONE) return;
    this.phase = DONE;
    this.status = status;
    this.disarm();
    this.releaseUpstream(reuse && this.reusable);
    this.context.report(this.observation());
    this.client.exchangeDone(keepAlive && !this.client.closing);
  }

  /** Answers with the proxy's JSON error (nothing was sent to the client yet). */
  respondFailure(failure: ProxyFailure, close: boolean): void {
    if (this.phase === DONE) return;
    this.error ??= failure.message;
    this.cause ??= failure.cause;
    const keepAlive = this.keepAlive && !close && !this.client.closing;
    const body = errorBody(failure);
    const head =
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? 'Error'}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n${this.proxyFields(keepAlive)}\r\n`;
    if (!this.client.socket.destroyed) this.client.socket.write(head + body);
    this.finish(failure.status, keepAlive);
  }

  /** Cuts a response already under way: the client sees the connection close before the body ends. */
  cut(failure: ProxyFailure): void {
    if (this.phase === DONE) return;
    this.error ??= failure.message;
    this.cause ??= failure.cause;
    this.client.socket.destroy();
    this.finish(failure.status, false);
  }

  /** The client left before its response ended. */
  clientGone(): void {
    if (this.phase === DONE) return;
    this.finish(499, false);
  }

  /** The proxy's own response fields: serving version, a minted stickiness cookie, and close when it closes. */
  proxyFields(keepAlive: boolean): string {
    let out = this.version === '' ? '' : `x-sluice-version: ${this.version}\r\n`;
    if (this.setCookie !== undefined) out += `set-cookie: ${this.setCookie}\r\n`;
    return keepAlive ? out : `${out}connection: close\r\n`;
  }

  observation(): ProxyObservation {
    const { version, route, error, cause, status, exposedKey } = this;
    const service = this.snapshot.service;
    const durationMs = performance.now() - this.start;
    const base: ProxyObservation = exposedKey === undefined ? { service, version, route, status, durationMs, fast: true } : { service, version, route, status, durationMs, fast: true, key: exposedKey };
    return error === undefined ? base : { ...base, error, cause: cause ?? 'other' };
  }

  /** Where failures say they happened. */
  where(): string {
    return `${this.snapshot.service} version ${this.version}: upstream ${this.instance?.url ?? ''}`;
  }
}

/** The whole-exchange limit was reached: 504 before the response started, else a cut. */
export function totalTimeout(exchange: FastExchange): void {
  const limits = exchange.snapshot.limits;
  if (exchange.phase === READING_BODY) {
    exchange.respondFailure(limitFailure(408, 'limit', `the client did not send the whole request to ${exchange.snapshot.service} in time`, limits, 'requestTimeoutMs'), true);
    return;
  }
  const what = exchange.phase === RELAYING ? `${exchange.where()} did not finish the response in time` : `${exchange.where()} did not answer in time`;
  const failure = limitFailure(504, 'timeout', what, limits, 'requestTimeoutMs');
  if (exchange.phase === RELAYING) exchange.cut(failure);
  else exchange.respondFailure(failure, false);
}
