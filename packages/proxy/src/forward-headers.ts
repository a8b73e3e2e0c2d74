import { badRequest } from './proxy-error.js';
import type { ProxyFailure } from './proxy-error.js';
import { readCookie } from './sticky-key.js';

/** What one pass over a request's raw headers yields. */
export interface ScannedRequest {
  /** Headers to send upstream, in `rawHeaders` form (name, value, ...), without Host. */
  readonly headers: string[];
  /** Stickiness key: the configured header if present, else the cookie, else undefined. */
  readonly key: string | undefined;
  /** True when the request is framed with a body (Content-Length > 0 or Transfer-Encoding). */
  readonly hasBody: boolean;
  /** True when the body is chunked: its length is only known as it streams. */
  readonly chunked: boolean;
  /** The declared Content-Length, or -1 when there is none. */
  readonly contentLength: number;
  /** The Host header (dropped from `headers`), if any. */
  readonly host: string | undefined;
  /** The Upgrade header (dropped from `headers`), for upgrade requests. */
  readonly upgrade: string | undefined;
  /** Set when the framing is ambiguous or unsupported: the request must be rejected, never forwarded. */
  readonly problem: ProxyFailure | undefined;
}

/** Where the stickiness key may be found. */
export interface StickyLookup {
  /** Lower-case header name, if configured. */
  readonly stickyHeader: string | undefined;
  readonly cookie: string;
}

/** What one pass over the headers gathers besides the headers to forward. */
interface Scan {
  hosts: number;
  lengths: number;
  contentLength: number;
  transferEncoding: string | undefined;
  connection: string | undefined;
  host: string | undefined;
  forwardedFor: string | undefined;
  forwarded: string | undefined;
  upgrade: string | undefined;
  hasProto: boolean;
  hasForwardedHost: boolean;
  cookieKey: string | undefined;
}

/**
 * Builds the upstream request headers in one pass: drops hop-by-hop fields (RFC 9110 §7.6.1, plus
 * Expect, which this server already answered), appends X-Forwarded-For and Forwarded (RFC 7239), adds
 * X-Forwarded-Proto and X-Forwarded-Host unless an earlier proxy set them, picks out the stickiness
 * key, and flags framing a proxy must not pass on (see `framingProblem`).
 */
export function scanRequestHeaders(raw: readonly string[], lookup: StickyLookup, remoteAddress: string | undefined, http10 = false): ScannedRequest {
  const headers: string[] = [];
  const scan: Scan = {
    hosts: 0,
    lengths: 0,
    contentLength: -1,
    transferEncoding: undefined,
    connection: undefined,
    host: undefined,
    forwardedFor: undefined,
    forwarded: undefined,
    upgrade: undefined,
    hasProto: false,
    hasForwardedHost: false,
    cookieKey: undefined,
  };
  let headerKey: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    // Before the rest: the sticky header may be one that is consumed (x-forwarded-for, host).
    if (lower === lookup.stickyHeader && headerKey === undefined && value !== '') headerKey = value;
    if (note(scan, lower, value, lookup.cookie)) headers.push(name, value);
  }
  const kept = scan.connection === undefined ? headers : dropConnectionListed(headers, scan.connection);
  addForwardingHeaders(kept, scan, remoteAddress);
  const chunked = scan.transferEncoding !== undefined;
  // Node de-chunks the incoming body; asking for chunked again makes it re-frame the stream upstream.
  if (chunked) kept.push('transfer-encoding', 'chunked');
  return {
    headers: kept,
    key: headerKey ?? scan.cookieKey,
    hasBody: chunked || scan.contentLength > 0,
    chunked,
    contentLength: scan.contentLength,
    host: scan.host,
    upgrade: scan.upgrade,
    problem: framingProblem(scan, http10),
  };
}

/** Records what one header tells; true when it is forwarded as is. */
function note(scan: Scan, lower: string, value: string, cookie: string): boolean {
  switch (lower) {
    case 'connection':
      scan.connection = scan.connection === undefined ? value : `${scan.connection}, ${value}`;
      return false;
    case 'keep-alive':
    case 'proxy-connection':
    case 'te':
    case 'expect':
      return false;
    case 'upgrade':
      scan.upgrade = value;
      return false;
    case 'transfer-encoding':
      scan.transferEncoding = scan.transferEncoding === undefined ? value : `${scan.transferEncoding}, ${value}`;
      return false;
    case 'host':
      scan.host = value;
      scan.hosts++;
      return false;
    case 'x-forwarded-for':
      scan.forwardedFor = scan.forwardedFor === undefined ? value : `${scan.forwardedFor}, ${value}`;
      return false;
    case 'forwarded':
      scan.forwarded = scan.forwarded === undefined ? value : `${scan.forwarded}, ${value}`;
      return false;
    case 'content-length':
      scan.lengths++;
      scan.contentLength = Number(value);
      return true;
    case 'x-forwarded-proto':
      scan.hasProto = true;
      return true;
    case 'x-forwarded-host':
      scan.hasForwardedHost = true;
      return true;
    case 'cookie':
      if (scan.cookieKey === undefined) scan.cookieKey = readCookie(value, cookie);
      return true;
    default:
      return true;
  }
}

/**
 * Shapes a proxy must reject rather than pass on, since two parsers could read them differently
 * (RFC 9112 §6.1, §6.3, §3.2). Node's parser already refuses CL with TE, repeated CL, TE not ending in
 * chunked and bad chunk sizes; the checks here repeat those cheaply and add what it lets through.
 */
function framingProblem(framing: Scan, http10: boolean): ProxyFailure | undefined {
  if (framing.hosts > 1) return badRequest('the request has more than one Host header; expected exactly one');
  if (framing.lengths > 1) return badRequest('the request has more than one Content-Length header; expected at most one');
  const te = framing.transferEncoding;
  if (te === undefined) return undefined;
  if (framing.lengths > 0) return badRequest('the request has both Content-Length and Transfer-Encoding; expected one of them');
  if (http10) return badRequest('an HTTP/1.0 request has Transfer-Encoding; expected Content-Length');
  if (te.length === 7 && te.toLowerCase() === 'chunked') return undefined;
  // Not ending in chunked, the body length cannot be known: 400. Ending in chunked, another coding is merely unsupported: 501.
  if (!/(^|[\s,])chunked$/i.test(te)) return badRequest(`Transfer-Encoding "${te}" does not end in chunked; the body length cannot be known`);
  return badRequest(`Transfer-Encoding "${te}" is not supported; expected "chunked" alone`, 501);
}

function addForwardingHeaders(headers: string[], scan: Scan, remoteAddress: string | undefined): void {
  const client = remoteAddress ?? 'unknown';
  headers.push('x-forwarded-for', scan.forwardedFor === undefined ? client : `${scan.forwardedFor}, ${client}`);
  if (!scan.hasProto) headers.push('x-forwarded-proto', 'http');
  if (!scan.hasForwardedHost && scan.host !== undefined) headers.push('x-forwarded-host', scan.host);
  const element = forwardedElement(client, scan.host);
  headers.push('forwarded', scan.forwarded === undefined ? element : `${scan.forwarded}, ${element}`);
}

/** One RFC 7239 element: `for=192.0.2.1;host="shop:8080";proto=http`, with IPv6 nodes quoted and bracketed. */
export function forwardedElement(client: string, host: string | undefined): string {
  const node = client.includes(':') ? `"[${client}]"` : client;
  if (host === undefined) return `for=${node};proto=http`;
  return `for=${node};host=${quoted(host)};proto=http`;
}

function quoted(value: string): string {
  const escaped = value.includes('"') || value.includes('\\') ? value.replace(/["\\]/g, '\\$&') : value;
  return `"${escaped}"`;
}

const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer']);

/** The upstream response headers minus hop-by-hop fields, as a fresh array the caller may extend. */
export function filterResponseHeaders(raw: readonly string[]): string[] {
  const headers: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'connection') connection = connection === undefined ? raw[i + 1]! : `${connection}, ${raw[i + 1]!}`;
    if (RESPONSE_HOP_BY_HOP.has(lower)) continue;
    headers.push(name, raw[i + 1]!);
  }
  return connection === undefined ? headers : dropConnectionListed(headers, connection);
}

/** Removes the fields a Connection header names (they are hop-by-hop too). Rare, so it may allocate. */
function dropConnectionListed(headers: string[], connection: string): string[] {
  // The usual values name no other field: skip the allocation.
  if (connection.length <= 10) {
    const lower = connection.toLowerCase();
    if (lower === 'keep-alive' || lower === 'close') return headers;
  }
  const listed = new Set<string>();
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') listed.add(name);
  }
  if (listed.size === 0) return headers;
  const kept: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!listed.has(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  }
  return kept;
}
