import type { Socket } from 'node:net';
import { ruleVersion } from '@sluice/domain';
import { forwardedElement } from '../forward-headers.js';
import { pickVersion } from '../pick-version.js';
import { hasAvailable, nextInstance } from '../route-table.js';
import type { RouteSnapshot } from '../route-table.js';
import type { RouteContext } from '../serve-request.js';
import { noInstance } from '../serve-request.js';
import { readCookie, STICKY_COOKIE_ATTRIBUTES } from '../sticky-key.js';
import { FastExchange, READING_BODY } from './fast-exchange.js';
import type { ClientSide } from './fast-exchange.js';
import { onTimer, startAttempt } from './fast-relay.js';
import { FastRequestView, firstHeaderValue, headerValue } from './fast-request-view.js';
import { parseRequestHead } from './request-head.js';
import type { RequestHead, StickyFields } from './request-head.js';

/** Largest request body the fast path buffers; larger bodies stream through node:http. */
export const FAST_BODY_MAX = 64 * 1024;
/** How long a keep-alive connection may sit idle between requests. */
export const KEEP_ALIVE_MS = 5_000;

/** What a fast connection needs from the listener that accepted it. */
export interface FastHost {
  readonly closing: boolean;
  /** Largest request head any route of the listener accepts. */
  readonly maxHeadBytes: number;
  /** How long a fresh connection may wait for its first request (node:http's headersTimeout). */
  readonly headersTimeoutMs: number;
  /** The route serving `host` (as the Host header says it), or undefined: node:http answers then. */
  routeFor(host: string): RouteContext | undefined;
  /** Stickiness fields to read while parsing, when every request of the listener uses the same ones. */
  readonly sticky: StickyFields | undefined;
  /** Gives the connection to node:http, which reads `pending` first. */
  handOff(socket: Socket, pending: Buffer | undefined): void;
  inflightChanged(delta: number): void;
  forget(connection: FastConnection): void;
}

/**
 * One client connection on the fast path. Requests the fast path can serve (see RequestHead) are
 * forwarded on raw sockets; at the first one it cannot, the connection is handed to node:http with
 * every unread byte, and stays there.
 */
export class FastConnection implements ClientSide {
  readonly socket: Socket;
  readonly host: FastHost;
  readonly sourceIp: string;
  pending: Buffer | undefined = undefined;
  exchange: FastExchange | undefined = undefined;
  /** The client half-closed: answer what is in flight, then close. */
  ended = false;
  /** The proxy ended the connection (its last response said close): nothing more is read from it. */
  finished = false;
  /** No request started yet: the socket's idle limit is headersTimeoutMs, then KEEP_ALIVE_MS. */
  fresh = true;
  #inNext = false;

  constructor(socket: Socket, host: FastHost) {
    this.socket = socket;
    this.host = host;
    this.sourceIp = socket.remoteAddress ?? '';
  }

  get closing(): boolean {
    return this.host.closing;
  }

  /** Takes bytes from the client. */
  take(chunk: Buffer): void {
    if (this.finished) return;
    const exchange = this.exchange;
    if (exchange !== undefined && exchange.phase === READING_BODY) {
      const rest = readBody(exchange, chunk);
      if (rest === undefined || this.finished) return;
      chunk = rest;
    }
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.exchange !== undefined) {
      // Pipelined requests wait for the response in flight; stop reading until then.
      if (this.pending.length > this.host.maxHeadBytes) this.socket.pause();
      return;
    }
    this.next();
  }

  exchangeDone(keepAlive: boolean): void {
    this.exchange = undefined;
    this.host.inflightChanged(-1);
    if (!keepAlive || this.ended) {
      this.pending = undefined;
      this.finished = true;
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    if (!this.#inNext) this.next();
  }

  /** Starts the requests waiting in `pending`, one at a time. */
  next(): void {
    this.#inNext = true;
    try {
      while (this.exchange === undefined && this.pending !== undefined && !this.finished && !this.socket.destroyed) this.#startOne(this.pending);
    } finally {
      this.#inNext = false;
    }
    if (this.exchange === undefined && this.pending === undefined && this.ended && !this.finished) {
      this.finished = true;
      this.socket.end();
    }
  }

  #startOne(buf: Buffer): void {
    const head = parseRequestHead(buf, 0, buf.length, this.host.maxHeadBytes, this.host.sticky ?? NO_STICKY);
    const context = head === undefined ? undefined : this.host.routeFor(head.host);
    const snapshot = context?.snapshot;
    if (head === undefined || context === undefined || snapshot === undefined || !fits(head, snapshot)) {
      this.#handOff();
      return;
    }
    const exchange = new FastExchange(this, context, snapshot, head);
    this.exchange = exchange;
    if (this.fresh) {
      this.fresh = false;
      this.socket.setTimeout(KEEP_ALIVE_MS);
    }
    this.host.inflightChanged(1);
    const bodyEnd = head.headEnd + head.contentLength;
    if (head.contentLength === 0) {
      this.pending = buf.length > bodyEnd ? buf.subarray(bodyEnd) : undefined;
      dispatch(exchange, this.sourceIp);
      return;
    }
    exchange.body = Buffer.allocUnsafe(head.contentLength);
    this.pending = undefined;
    const rest = readBody(exchange, buf.subarray(head.headEnd));
    if (rest !== undefined && !this.finished) this.pending = rest;
    if (exchange.phase === READING_BODY) exchange.arm(snapshot.limits.idleTimeoutMs, onTimer);
  }

  #handOff(): void {
    const pending = this.pending;
    this.pending = undefined;
    this.host.forget(this);
    detach(this.socket);
    this.host.handOff(this.socket, pending);
  }
}

const CONNECTION = Symbol('sluice.fastConnection');
type FastSocket = Socket & { [CONNECTION]?: FastConnection };

/** Serves a freshly accepted client socket on the fast path. */
export function acceptFast(socket: Socket, host: FastHost): FastConnection {
  const connection = new FastConnection(socket, host);
  (socket as FastSocket)[CONNECTION] = connection;
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('close', onClose);
  socket.on('drain', onDrain);
  socket.on('timeout', onIdle);
  // The first request may take as long as node:http would wait for it (headersTimeout), not just the
  // keep-alive period: under load the kernel can establish a connection seconds before its request gets
  // through (after an accept queue overflow the client resends it with backoff); cutting the connection
  // then resets a request that was only slow.
  socket.setTimeout(host.headersTimeoutMs > 0 ? host.headersTimeoutMs : KEEP_ALIVE_MS);
  return connection;
}

function detach(socket: Socket): void {
  socket.removeListener('data', onData);
  socket.removeListener('end', onEnd);
  socket.removeListener('error', onError);
  socket.removeListener('close', onClose);
  socket.removeListener('drain', onDrain);
  socket.removeListener('timeout', onIdle);
  socket.setTimeout(0);
  delete (socket as FastSocket)[CONNECTION];
}

function onData(this: FastSocket, chunk: Buffer): void {
  this[CONNECTION]?.take(chunk);
}

/** The client half-closed. As node:http does (httpAllowHalfOpen off), a request in flight is abandoned. */
function onEnd(this: FastSocket): void {
  const connection = this[CONNECTION];
  if (connection === undefined) return;
  connection.ended = true;
  connection.pending = undefined;
  connection.exchange?.clientGone();
  this.end();
}

function onError(this: FastSocket): void {
  this.destroy();
}

function onClose(this: FastSocket): void {
  const connection = this[CONNECTION];
  if (connection === undefined) return;
  connection.host.forget(connection);
  connection.exchange?.clientGone();
}

/** The client read what was queued: let the paused upstream go on. */
function onDrain(this: FastSocket): void {
  const upstream = this[CONNECTION]?.exchange?.upstream;
  if (upstream !== undefined && upstream.isPaused()) upstream.resume();
}

/** Idle before the first request (headersTimeoutMs) or between requests (the keep-alive period): close. With a request in flight, its own timer rules. */
function onIdle(this: FastSocket): void {
  if (this[CONNECTION]?.exchange === undefined) this.destroy();
}

const NO_STICKY: StickyFields = { stickyHeader: undefined, cookie: '' };

/** True when the route lets this request take the fast path (limits it would break go to node:http, which answers them). */
function fits(head: RequestHead, snapshot: RouteSnapshot): boolean {
  return snapshot.fast && head.contentLength <= FAST_BODY_MAX && head.contentLength <= snapshot.limits.maxBodyBytes && head.headEnd - head.start <= snapshot.limits.maxHeaderBytes;
}

/** Copies body bytes; once the body is whole, sends the request. Returns bytes past the body, if any. */
function readBody(exchange: FastExchange, chunk: Buffer): Buffer | undefined {
  const body = exchange.body!;
  const take = Math.min(body.length - exchange.bodyRead, chunk.length);
  chunk.copy(body, exchange.bodyRead, 0, take);
  exchange.bodyRead += take;
  exchange.activity++;
  if (exchange.bodyRead === body.length) {
    exchange.disarm();
    dispatch(exchange, (exchange.client as FastConnection).sourceIp);
  }
  return take < chunk.length ? chunk.subarray(take) : undefined;
}

/** Picks the version and an instance (as serve-request's `choose` does) and sends the request. */
function dispatch(exchange: FastExchange, sourceIp: string): void {
  const { snapshot, head } = exchange;
  let key = head.key ?? stickyKeyOf(exchange);
  if (key === undefined) {
    key = exchange.context.randomKey();
    exchange.setCookie = `${snapshot.cookie}=${key}${STICKY_COOKIE_ATTRIBUTES}`;
  }
  const matched = snapshot.rules?.match(new FastRequestView(head, sourceIp, key));
  let version = matched === undefined ? pickVersion(snapshot.split, key) : ruleVersion(matched.rule, snapshot.split, key);
  if (version !== snapshot.split.stable && !hasAvailable(snapshot.pools.get(version))) version = snapshot.split.stable;
  exchange.version = version;
  if (version !== snapshot.split.stable) exchange.exposedKey = key;
  exchange.route = matched === undefined ? 'split' : matched.rule.name;
  exchange.pool = snapshot.pools.get(version);
  const instance = nextInstance(exchange.pool);
  if (instance === undefined) {
    exchange.respondFailure(noInstance(snapshot.service, version, exchange.pool), false);
    return;
  }
  exchange.fields = head.kept + forwardingFields(head, sourceIp);
  startAttempt(exchange, instance);
}

/** The key when the head was parsed without this route's stickiness fields (a listener shared by routes). */
function stickyKeyOf(exchange: FastExchange): string | undefined {
  const { snapshot, head } = exchange;
  const sticky = (exchange.client as FastConnection).host.sticky;
  if (sticky !== undefined && sticky.stickyHeader === snapshot.stickyHeader && sticky.cookie === snapshot.cookie) return undefined;
  const fromHeader = snapshot.stickyHeader === undefined ? undefined : firstHeaderValue(head, snapshot.stickyHeader);
  if (fromHeader !== undefined) return fromHeader;
  const cookies = headerValue(head, 'cookie');
  return cookies === undefined ? undefined : readCookie(cookies, snapshot.cookie);
}

/** X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239), appended to what earlier proxies said; ends the head. */
function forwardingFields(head: RequestHead, client: string): string {
  let out = `x-forwarded-for: ${head.forwardedFor === undefined ? client : `${head.forwardedFor}, ${client}`}\r\n`;
  if (!head.hasProto) out += 'x-forwarded-proto: http\r\n';
  if (!head.hasForwardedHost) out += `x-forwarded-host: ${head.host}\r\n`;
  const element = forwardedElement(client, head.host);
  return `${out}forwarded: ${head.forwarded === undefined ? element : `${head.forwarded}, ${element}`}\r\n\r\n`;
}
