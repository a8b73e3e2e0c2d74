import { readCookie } from './sticky-key.js';

/** What one pass over a request's raw headers yields. */
export interface ScannedRequest {
  /** Headers to send upstream, in `rawHeaders` form (name, value, ...), without Host. */
  readonly headers: string[];
  /** Stickiness key: the configured header if present, else the cookie, else undefined. */
  readonly key: string | undefined;
  /** True when the request is framed with a body (Content-Length > 0 or Transfer-Encoding). */
  readonly hasBody: boolean;
}

/** Where the stickiness key may be found. */
export interface StickyLookup {
  /** Lower-case header name, if configured. */
  readonly stickyHeader: string | undefined;
  readonly cookie: string;
}

/**
 * Builds the upstream request headers in one pass: drops hop-by-hop fields (RFC 9110 §7.6.1, plus
 * Expect, which this server already answered), appends X-Forwarded-For, adds X-Forwarded-Proto and
 * X-Forwarded-Host unless an earlier proxy set them, and picks out the stickiness key on the way.
 */
export function scanRequestHeaders(raw: readonly string[], lookup: StickyLookup, remoteAddress: string | undefined): ScannedRequest {
  const headers: string[] = [];
  let connection: string | undefined;
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let hasProto = false;
  let hasForwardedHost = false;
  let chunked = false;
  let hasBody = false;
  let headerKey: string | undefined;
  let cookieKey: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    // Before the switch: the sticky header may be one the switch consumes (x-forwarded-for, host).
    if (lower === lookup.stickyHeader && headerKey === undefined && value !== '') headerKey = value;
    switch (lower) {
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        continue;
      case 'keep-alive':
      case 'proxy-connection':
      case 'te':
      case 'upgrade':
      case 'expect':
        continue;
      case 'transfer-encoding':
        chunked = true;
        continue;
      case 'host':
        host = value;
        continue;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'content-length':
        if (value !== '0') hasBody = true;
        break;
      case 'x-forwarded-proto':
        hasProto = true;
        break;
      case 'x-forwarded-host':
        hasForwardedHost = true;
        break;
      case 'cookie':
        if (cookieKey === undefined) cookieKey = readCookie(value, lookup.cookie);
        break;
    }
    headers.push(name, value);
  }
  const forwarded = connection === undefined ? headers : dropConnectionListed(headers, connection);
  addForwardingHeaders(forwarded, { remoteAddress, forwardedFor, host, hasProto, hasForwardedHost });
  // Node de-chunks the incoming body; asking for chunked again makes it re-frame the stream upstream.
  if (chunked) forwarded.push('transfer-encoding', 'chunked');
  return { headers: forwarded, key: headerKey ?? cookieKey, hasBody: hasBody || chunked };
}

interface ForwardingFacts {
  readonly remoteAddress: string | undefined;
  readonly forwardedFor: string | undefined;
  readonly host: string | undefined;
  readonly hasProto: boolean;
  readonly hasForwardedHost: boolean;
}

function addForwardingHeaders(headers: string[], facts: ForwardingFacts): void {
  const client = facts.remoteAddress ?? 'unknown';
  headers.push('x-forwarded-for', facts.forwardedFor === undefined ? client : `${facts.forwardedFor}, ${client}`);
  if (!facts.hasProto) headers.push('x-forwarded-proto', 'http');
  if (!facts.hasForwardedHost && facts.host !== undefined) headers.push('x-forwarded-host', facts.host);
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
