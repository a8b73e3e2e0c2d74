import { equalsLower, HEAD_END, keptFields, latin1, LINE_END, parseDigits } from './head-bytes.js';

/** How the body of an upstream response is delimited (RFC 9112 §6.3). */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

/** An upstream response head, rewritten for the client. */
export interface ResponseHead {
  readonly status: number;
  /** `HTTP/1.1 <status> <reason>\r\n`: the client always gets HTTP/1.1. */
  readonly statusLine: string;
  /** Field lines to relay (each ending in CRLF): all but hop-by-hop fields and a Content-Length that TE overrides. */
  readonly kept: string;
  readonly framing: Framing;
  /** Body length for `length` framing. */
  readonly length: number;
  /** True when the upstream connection cannot carry another request after this response. */
  readonly upstreamClose: boolean;
  /** Index just past the blank line ending the head. */
  readonly headEnd: number;
  /** The upstream sent a Date field (else the proxy adds one, as RFC 9110 §6.6.1 asks and node:http does). */
  readonly hasDate: boolean;
}

/** parseResponseHead's answer for a head that is not valid HTTP/1.x. */
export const INVALID_HEAD = 'invalid';

interface Scan {
  lengths: number;
  length: number;
  chunked: boolean;
  transferEncoding: boolean;
  close: boolean;
  keepAlive: boolean;
  hasDate: boolean;
  /** Field names a Connection header lists besides close and keep-alive: hop-by-hop, dropped. */
  listed: string[] | undefined;
}


/**
 * Parses an upstream response head in buf[start..end): undefined while incomplete, INVALID_HEAD when
 * malformed. `headRequest`: the request was HEAD, so the response has no body whatever it says.
 */
export function parseResponseHead(buf: Buffer, start: number, end: number, headRequest: boolean): ResponseHead | typeof INVALID_HEAD | undefined {
  const blank = buf.indexOf(HEAD_END, start);
  if (blank === -1 || blank >= end) return undefined;
  const lineEnd = buf.indexOf(LINE_END, start);
  const status = statusOf(buf, start, lineEnd);
  if (status < 0) return INVALID_HEAD;
  const http10 = buf[start + 7] === 0x30;
  const scan: Scan = { lengths: 0, length: -1, chunked: false, transferEncoding: false, close: false, keepAlive: false, hasDate: false, listed: undefined };
  const kept = keptFields(buf, lineEnd + 2, blank + 2, scan, responseField);
  if (kept === undefined) return INVALID_HEAD;
  const framing = framingOf(status, headRequest, scan);
  const relayed = scan.listed !== undefined || (scan.transferEncoding && scan.lengths > 0) ? refilter(kept, scan) : kept;
  return {
    status,
    statusLine: `HTTP/1.1 ${latin1(buf, start + 9, lineEnd)}\r\n`,
    kept: relayed,
    framing,
    length: scan.length,
    // A response with both framings is read by its Transfer-Encoding, but its connection is not trusted again.
    upstreamClose: framing === 'close' || scan.close || (http10 && !scan.keepAlive) || (scan.transferEncoding && scan.lengths > 0),
    headEnd: blank + 4,
    hasDate: scan.hasDate,
  };
}

/** The status of `HTTP/1.x SSS[ reason]`, or -1. */
function statusOf(buf: Buffer, start: number, lineEnd: number): number {
  if (lineEnd - start < 12 || !startsWithHttp1(buf, start)) return -1;
  const minor = buf[start + 7];
  if ((minor !== 0x31 && minor !== 0x30) || buf[start + 8] !== 0x20) return -1;
  const status = parseDigits(buf, start + 9, start + 12);
  if (status < 100 || status > 999) return -1;
  if (lineEnd > start + 12 && buf[start + 12] !== 0x20) return -1;
  for (let i = start + 13; i < lineEnd; i++) if (buf[i]! < 0x20 && buf[i] !== 9) return -1;
  return status;
}

/** `HTTP/1.` at `start`, compared byte by byte (no string is made). */
function startsWithHttp1(buf: Buffer, start: number): boolean {
  return buf[start] === 0x48 && buf[start + 1] === 0x54 && buf[start + 2] === 0x54 && buf[start + 3] === 0x50 && buf[start + 4] === 0x2f && buf[start + 5] === 0x31 && buf[start + 6] === 0x2e;
}

function framingOf(status: number, headRequest: boolean, scan: Scan): Framing {
  if (headRequest || status < 200 || status === 204 || status === 304) return 'none';
  if (scan.transferEncoding) return scan.chunked ? 'chunked' : 'close';
  return scan.lengths > 0 ? 'length' : 'close';
}

/** Notes framing and connection fields (KEEP_FIELD 0, DROP_FIELD 1, REJECT_HEAD -1). */
function responseField(buf: Buffer, name: number, nameEnd: number, value: number, valueEnd: number, scan: Scan): number {
  const length = nameEnd - name;
  if (length === 14 && equalsLower(buf, name, nameEnd, 'content-length')) {
    const n = parseDigits(buf, value, valueEnd);
    if (n < 0 || (scan.lengths > 0 && n !== scan.length)) return -1;
    scan.lengths++;
    scan.length = n;
    // A repeated equal Content-Length is relayed once: clients such as node's refuse duplicates.
    return scan.lengths > 1 ? 1 : 0;
  }
  if (length === 4 && equalsLower(buf, name, nameEnd, 'date')) {
    scan.hasDate = true;
    return 0;
  }
  if (length === 17 && equalsLower(buf, name, nameEnd, 'transfer-encoding')) {
    scan.transferEncoding = true;
    // Chunked must be the last coding; then the body is relayed with its chunked framing unchanged.
    const codings = latin1(buf, value, valueEnd).toLowerCase().split(',');
    scan.chunked = codings[codings.length - 1]!.trim() === 'chunked';
    return 0;
  }
  if (length === 10 && equalsLower(buf, name, nameEnd, 'connection')) {
    // The usual values, compared in place; anything else is split into its tokens.
    if (equalsLower(buf, value, valueEnd, 'keep-alive')) scan.keepAlive = true;
    else if (equalsLower(buf, value, valueEnd, 'close')) scan.close = true;
    else connectionTokens(latin1(buf, value, valueEnd), scan);
    return 1;
  }
  if (length === 10 && equalsLower(buf, name, nameEnd, 'keep-alive')) return 1;
  if (length === 16 && equalsLower(buf, name, nameEnd, 'proxy-connection')) return 1;
  if (length === 7 && equalsLower(buf, name, nameEnd, 'upgrade')) return 1;
  if (length === 2 && equalsLower(buf, name, nameEnd, 'te')) return 1;
  return 0;
}

function connectionTokens(value: string, scan: Scan): void {
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === 'close') scan.close = true;
    else if (name === 'keep-alive') scan.keepAlive = true;
    // The framing fields stay whatever Connection says: the body is relayed with the framing it has.
    else if (name !== '' && name !== 'content-length' && name !== 'transfer-encoding') (scan.listed ??= []).push(name);
  }
}

/** Second pass, rare: drops fields the Connection header lists, and Content-Length when Transfer-Encoding is present. */
function refilter(kept: string, scan: Scan): string {
  const dropLength = scan.transferEncoding;
  const listed = new Set(scan.listed ?? []);
  let out = '';
  for (const line of kept.split('\r\n')) {
    if (line === '') continue;
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    if (listed.has(name) || (dropLength && name === 'content-length')) continue;
    out += `${line}\r\n`;
  }
  return out;
}
