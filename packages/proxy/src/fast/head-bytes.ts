// Byte classes of HTTP/1.1 heads (RFC 9110 §5.6.2, §5.5; RFC 9112 §3), as 256-entry tables the
// parsers index once per byte.

const CR = 13;
const LF = 10;

/** The blank line ending a head, as a Buffer: indexOf with a Buffer needle does not convert a string each call. */
export const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** A line end. */
export const LINE_END = Buffer.from('\r\n', 'latin1');

function table(ok: (byte: number) => boolean): Uint8Array {
  const out = new Uint8Array(256);
  for (let b = 0; b < 256; b++) out[b] = ok(b) ? 1 : 0;
  return out;
}

/** tchar: a field name or method byte. */
export const TCHAR = table((b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)));
/** A field value byte: HTAB, visible ASCII, SP, obs-text. No CTLs, so no bare CR or LF. */
export const VCHAR = table((b) => b === 9 || (b >= 0x20 && b !== 0x7f));
/** A request-target byte: visible ASCII only (no SP, no CTL, no obs-text). */
export const TARGET = table((b) => b > 0x20 && b < 0x7f);

/** True when buf[at..at+1] is CRLF. */
export function isCrlf(buf: Buffer, at: number): boolean {
  return buf[at] === CR && buf[at + 1] === LF;
}

/** Case-insensitive comparison of buf[start..end) with a lower-case ASCII name. */
export function equalsLower(buf: Buffer, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const b = buf[start + i]!;
    // ASCII letters differ from their lower case in bit 0x20 only; other bytes must be equal.
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Index of the first byte of buf[from..end) that is not SP or HTAB. */
export function skipSpaces(buf: Buffer, from: number, end: number): number {
  let at = from;
  while (at < end && (buf[at] === 0x20 || buf[at] === 9)) at++;
  return at;
}

/** End of a field value with trailing SP/HTAB removed. */
export function trimEnd(buf: Buffer, start: number, end: number): number {
  let at = end;
  while (at > start && (buf[at - 1] === 0x20 || buf[at - 1] === 9)) at--;
  return at;
}

/**
 * Validates one header line at `start` (name ":" OWS value OWS CRLF) and returns the index of its CR,
 * with the colon's index in `out[0]`; -1 when the line is not a well-formed field line.
 */
export function scanFieldLine(buf: Buffer, start: number, end: number, out: Int32Array): number {
  let at = start;
  while (at < end && TCHAR[buf[at]!] === 1) at++;
  if (at === start || at >= end || buf[at] !== 0x3a) return -1;
  out[0] = at;
  at++;
  while (at < end && VCHAR[buf[at]!] === 1) at++;
  return at < end && isCrlf(buf, at) ? at : -1;
}

/** Parses a non-empty run of ASCII digits (at most 15, so it stays a safe integer); -1 otherwise. */
export function parseDigits(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** buf[start..end) as a string, one character per byte (header bytes round-trip exactly). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/** What a field visitor says of one field line. */
export const KEEP_FIELD = 0;
export const DROP_FIELD = 1;
/** The line makes the whole head unacceptable. */
export const REJECT_HEAD = -1;

/**
 * Field visitor: the name is buf[name..nameEnd), the value (without surrounding whitespace)
 * buf[value..valueEnd); `state` is the parser's scratch object. Returns KEEP_FIELD, DROP_FIELD or REJECT_HEAD.
 */
export type FieldVisitor<S> = (buf: Buffer, name: number, nameEnd: number, value: number, valueEnd: number, state: S) => number;

const colon = new Int32Array(1);

/**
 * Validates every field line of buf[from..end) and asks `visit` about each; returns the kept lines as
 * one string (runs of kept lines are sliced whole), or undefined when a line is malformed or rejected.
 */
export function keptFields<S>(buf: Buffer, from: number, end: number, state: S, visit: FieldVisitor<S>): string | undefined {
  let kept = '';
  let run = from;
  let at = from;
  while (at < end) {
    const cr = scanFieldLine(buf, at, end, colon);
    if (cr === -1) return undefined;
    const nameEnd = colon[0]!;
    const value = skipSpaces(buf, nameEnd + 1, cr);
    const verdict = visit(buf, at, nameEnd, value, trimEnd(buf, value, cr), state);
    if (verdict === REJECT_HEAD) return undefined;
    if (verdict === DROP_FIELD) {
      if (at > run) kept += latin1(buf, run, at);
      run = cr + 2;
    }
    at = cr + 2;
  }
  return end > run ? kept + latin1(buf, run, end) : kept;
}
