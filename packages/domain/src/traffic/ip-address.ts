/**
 * IP addresses as four 32-bit words of an IPv6 address. An IPv4 address a.b.c.d is held as the
 * IPv4-mapped ::ffff:a.b.c.d, so "10.0.0.1" and "::ffff:10.0.0.1" are the same address and an
 * IPv4 range (10.0.0.0/8 = ::ffff:10.0.0.0/104) never matches a native IPv6 address.
 *
 * Parsing writes into caller-supplied buffers and allocates nothing, because the data plane parses
 * the client address of every request that meets a sourceCidr condition.
 */

const COLON = 58;
const DOT = 46;
const PERCENT = 37;
/** Groups of the IPv6 address being parsed. Safe to share: parsing is synchronous. */
const groups = new Uint16Array(8);

/** A parsed range: the network words (host bits cleared) and the mask words. */
export interface CidrRange {
  readonly network: Uint32Array;
  readonly mask: Uint32Array;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Dotted-quad IPv4 in text[start, end) as an unsigned 32-bit number, or -1. Leading zeros are rejected. */
function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    const first = i;
    let octet = 0;
    while (i < end && i - first < 3) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || octet > 255 || (digits > 1 && text.charCodeAt(first) === 48)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= end || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

/** Where `::` stood in the groups read last (-1: none). Module state so reading allocates nothing. */
let gapAt = -1;

/** Reads hex groups (and an IPv4 tail) into `groups`; returns how many, or -1 when malformed. Sets gapAt. */
function readGroups(text: string, end: number): number {
  let count = 0;
  let i = 0;
  gapAt = -1;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return -1;
    gapAt = 0;
    i = 2;
  }
  while (i < end) {
    if (count >= 8) return -1;
    const start = i;
    let value = 0;
    while (i < end && i - start < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    if (i < end && text.charCodeAt(i) === DOT) {
      const v4 = count <= 6 ? parseIpv4(text, start, end) : -1;
      if (v4 < 0) return -1;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      return count;
    }
    if (i === start || i - start > 4) return -1;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== COLON || i + 1 === end) return -1;
    i++;
    if (text.charCodeAt(i) === COLON) {
      if (gapAt >= 0) return -1;
      gapAt = count;
      i++;
    }
  }
  return count;
}

function parseIpv6(text: string, end: number, out: Uint32Array): boolean {
  const count = readGroups(text, end);
  const gap = gapAt;
  if (count < 0 || (gap < 0 ? count !== 8 : count > 7)) return false;
  if (gap >= 0) {
    const zeros = 8 - count;
    for (let j = count - 1; j >= gap; j--) groups[j + zeros] = groups[j] as number;
    for (let j = gap; j < gap + zeros; j++) groups[j] = 0;
  }
  for (let k = 0; k < 4; k++) out[k] = (((groups[2 * k] as number) << 16) | (groups[2 * k + 1] as number)) >>> 0;
  return true;
}

/**
 * Parses an IPv4 or IPv6 address (a zone suffix like "%eth0" is ignored) into `out` (4 words).
 * Returns false, leaving `out` undefined, for anything else.
 */
export function parseIpInto(text: string, out: Uint32Array): boolean {
  const zone = text.indexOf('%');
  const end = zone < 0 ? text.length : zone;
  if (end === 0 || end > 45) return false;
  const colon = text.indexOf(':');
  if (colon < 0 || colon >= end) {
    const v4 = parseIpv4(text, 0, end);
    if (v4 < 0) return false;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return true;
  }
  return parseIpv6(text, end, out);
}

/** True when the address text is an IPv4 dotted quad (no colon). */
function isIpv4Text(text: string): boolean {
  return text.indexOf(':') < 0;
}

/**
 * Parses "10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104" or a bare address (a /32 or /128).
 * Host bits below the prefix are ignored (10.0.0.1/8 is 10.0.0.0/8). Undefined when malformed.
 */
export function parseCidr(text: string): CidrRange | undefined {
  if (typeof text !== 'string' || text.indexOf('%') >= 0) return undefined;
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const lengthText = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = isIpv4Text(address);
  const max = v4 ? 32 : 128;
  if (lengthText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(lengthText)) return undefined;
  const length = lengthText === undefined ? max : Number(lengthText);
  if (length > max) return undefined;
  const network = new Uint32Array(4);
  if (!parseIpInto(address, network)) return undefined;
  const prefix = v4 ? 96 + length : length;
  const mask = new Uint32Array(4);
  for (let k = 0; k < 4; k++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * k));
    mask[k] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    network[k] = ((network[k] as number) & (mask[k] as number)) >>> 0;
  }
  return { network, mask };
}

/** True when the parsed address (4 words) is inside the range. */
export function cidrContains(range: CidrRange, address: Uint32Array): boolean {
  for (let k = 0; k < 4; k++) {
    if ((((address[k] as number) & (range.mask[k] as number)) >>> 0) !== range.network[k]) return false;
  }
  return true;
}
