import { readCookie } from '../sticky-key.js';
import { DROP_FIELD, equalsLower, HEAD_END, isCrlf, KEEP_FIELD, keptFields, latin1, parseDigits, REJECT_HEAD, TARGET } from './head-bytes.js';

/**
 * A request head the fast path forwards as is: HTTP/1.1, origin-form target, one Host, at most one
 * Content-Length, no Transfer-Encoding, Upgrade or Expect, and a Connection header (if any) that only
 * says keep-alive or close. Everything else — and anything malformed — goes to the node:http path,
 * which answers the exact error; the fast path never has to.
 */
export interface RequestHead {
  readonly method: string;
  /** Origin-form target: path and query, e.g. "/cart?id=1". */
  readonly target: string;
  /** Index in the buffer just past the blank line ending the head. */
  readonly headEnd: number;
  /** Content-Length of the body; 0 when there is none. */
  readonly contentLength: number;
  readonly host: string;
  /** False when the client sent `Connection: close`. */
  readonly keepAlive: boolean;
  /** Stickiness key: the configured header, else the cookie; undefined when neither is present. */
  readonly key: string | undefined;
  /** Field lines forwarded unchanged (each ending in CRLF): all but Host, hop-by-hop and forwarding fields. */
  readonly kept: string;
  readonly forwardedFor: string | undefined;
  readonly forwarded: string | undefined;
  readonly hasProto: boolean;
  readonly hasForwardedHost: boolean;
  /** The buffer and range of the head, for rules that read other headers (see FastRequestView). */
  readonly buf: Buffer;
  readonly start: number;
}

/** Where the stickiness key is found. */
export interface StickyFields {
  /** Lower-case header name, if configured. */
  readonly stickyHeader: string | undefined;
  readonly cookie: string;
}

/** Mutable state of one parse. */
interface Scan {
  readonly sticky: StickyFields;
  hosts: number;
  host: string;
  lengths: number;
  contentLength: number;
  keepAlive: boolean;
  headerKey: string | undefined;
  cookieKey: string | undefined;
  forwardedFor: string | undefined;
  forwarded: string | undefined;
  hasProto: boolean;
  hasForwardedHost: boolean;
}

const VERSION_11 = 'HTTP/1.1';
const MAX_METHOD = 20;

/**
 * Parses the request head starting at `start`, if it is complete within buf[start..end), no larger
 * than `maxHeadBytes` and simple enough for the fast path; undefined otherwise (the caller hands the
 * bytes to node:http).
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, maxHeadBytes: number, sticky: StickyFields): RequestHead | undefined {
  const blank = buf.indexOf(HEAD_END, start);
  if (blank === -1 || blank >= end || blank + 4 - start > maxHeadBytes) return undefined;
  const line = requestLine(buf, start, blank + 2);
  if (line === undefined) return undefined;
  const scan: Scan = {
    sticky, hosts: 0, host: '', lengths: 0, contentLength: 0, keepAlive: true, headerKey: undefined, cookieKey: undefined,
    forwardedFor: undefined, forwarded: undefined, hasProto: false, hasForwardedHost: false,
  };
  const kept = keptFields(buf, line.next, blank + 2, scan, classify);
  if (kept === undefined || scan.hosts !== 1 || scan.host === '') return undefined;
  return {
    method: line.method,
    target: line.target,
    headEnd: blank + 4,
    contentLength: scan.contentLength,
    host: scan.host,
    keepAlive: scan.keepAlive,
    key: scan.headerKey ?? scan.cookieKey,
    kept,
    forwardedFor: scan.forwardedFor,
    forwarded: scan.forwarded,
    hasProto: scan.hasProto,
    hasForwardedHost: scan.hasForwardedHost,
    buf,
    start,
  };
}

/**
 * Methods the fast path forwards. CONNECT (the rest of the connection is a tunnel) and anything
 * unusual go to node:http, whose parser knows which methods exist.
 */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']);

/** `METHOD SP /target SP HTTP/1.1 CRLF`, with one of METHODS. */
function requestLine(buf: Buffer, start: number, end: number): { method: string; target: string; next: number } | undefined {
  let at = start;
  while (at < end && buf[at]! >= 0x41 && buf[at]! <= 0x5a) at++;
  if (at === start || at - start > MAX_METHOD || buf[at] !== 0x20) return undefined;
  const method = latin1(buf, start, at);
  if (!METHODS.has(method)) return undefined;
  const targetStart = at + 1;
  if (buf[targetStart] !== 0x2f) return undefined;
  at = targetStart;
  while (at < end && TARGET[buf[at]!] === 1) at++;
  if (buf[at] !== 0x20 || !isCrlf(buf, at + 9) || latin1(buf, at + 1, at + 9) !== VERSION_11) return undefined;
  return { method, target: latin1(buf, targetStart, at), next: at + 11 };
}

const KEEP = KEEP_FIELD;
const DROP = DROP_FIELD;
const FALLBACK = REJECT_HEAD;

/** What to do with one field: keep it, drop it (noting what it says), or give the request to node:http. */
function classify(buf: Buffer, name: number, nameEnd: number, value: number, valueEnd: number, scan: Scan): number {
  const sticky = scan.sticky;
  // Before the rest: the sticky header may be one that is consumed (x-forwarded-for, host).
  if (sticky.stickyHeader !== undefined && scan.headerKey === undefined && valueEnd > value && equalsLower(buf, name, nameEnd, sticky.stickyHeader)) {
    scan.headerKey = latin1(buf, value, valueEnd);
  }
  switch (nameEnd - name) {
    case 2:
      return equalsLower(buf, name, nameEnd, 'te') ? DROP : KEEP;
    case 4:
      if (!equalsLower(buf, name, nameEnd, 'host')) return KEEP;
      scan.hosts++;
      scan.host = latin1(buf, value, valueEnd);
      return DROP;
    case 6:
      if (equalsLower(buf, name, nameEnd, 'expect')) return FALLBACK;
      if (scan.cookieKey === undefined && sticky.cookie !== '' && equalsLower(buf, name, nameEnd, 'cookie')) scan.cookieKey = readCookie(latin1(buf, value, valueEnd), sticky.cookie);
      return KEEP;
    case 7:
      return equalsLower(buf, name, nameEnd, 'upgrade') ? FALLBACK : KEEP;
    case 9:
      if (!equalsLower(buf, name, nameEnd, 'forwarded')) return KEEP;
      scan.forwarded = joined(scan.forwarded, latin1(buf, value, valueEnd));
      return DROP;
    case 10:
      if (equalsLower(buf, name, nameEnd, 'keep-alive')) return DROP;
      return equalsLower(buf, name, nameEnd, 'connection') ? connection(buf, value, valueEnd, scan) : KEEP;
    case 14:
      return equalsLower(buf, name, nameEnd, 'content-length') ? contentLength(buf, value, valueEnd, scan) : KEEP;
    case 15:
      if (!equalsLower(buf, name, nameEnd, 'x-forwarded-for')) return KEEP;
      scan.forwardedFor = joined(scan.forwardedFor, latin1(buf, value, valueEnd));
      return DROP;
    case 16:
      if (equalsLower(buf, name, nameEnd, 'proxy-connection')) return DROP;
      if (equalsLower(buf, name, nameEnd, 'x-forwarded-host')) scan.hasForwardedHost = true;
      return KEEP;
    case 17:
      if (equalsLower(buf, name, nameEnd, 'transfer-encoding')) return FALLBACK;
      if (equalsLower(buf, name, nameEnd, 'x-forwarded-proto')) scan.hasProto = true;
      return KEEP;
    default:
      return KEEP;
  }
}

/** `Connection: keep-alive` or `close` only; a Connection naming other fields (or upgrade) falls back. */
function connection(buf: Buffer, value: number, valueEnd: number, scan: Scan): number {
  if (equalsLower(buf, value, valueEnd, 'close')) scan.keepAlive = false;
  else if (!equalsLower(buf, value, valueEnd, 'keep-alive')) return FALLBACK;
  return DROP;
}

function contentLength(buf: Buffer, value: number, valueEnd: number, scan: Scan): number {
  const n = parseDigits(buf, value, valueEnd);
  if (n < 0 || ++scan.lengths > 1) return FALLBACK;
  scan.contentLength = n;
  return KEEP;
}

function joined(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}
