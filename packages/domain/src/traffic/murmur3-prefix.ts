/**
 * MurmurHash3 x86_32 of `prefix + text` where the prefix is hashed once, ahead of time, and the
 * text is UTF-8 encoded on the fly: hashing "groupId:userId" for every evaluation then allocates
 * nothing (no template string, no byte array). Byte-exact with `murmur3(prefix + text, seed)`
 * whenever the prefix does not end with a lone high surrogate (a rollout prefix ends with ':').
 */
import { utf8Bytes } from './utf8.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The hash state after the prefix: the mixed blocks, the 0-3 pending bytes and the length so far. */
export interface Murmur3Prefix {
  readonly h: number;
  readonly pending: number;
  readonly pendingBytes: number;
  readonly length: number;
}

// The running state of the one hash in progress. Module state so continuing allocates nothing
// (hashing is synchronous, so no two hashes ever interleave).
let h = 0;
let k = 0;
let n = 0;
let len = 0;

function mixBlock(block: number): void {
  let x = Math.imul(block, C1);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, C2);
  h ^= x;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function pushByte(byte: number): void {
  k |= byte << (n << 3);
  len++;
  if (++n === 4) {
    mixBlock(k);
    k = 0;
    n = 0;
  }
}

/** Pushes one code point (U+FFFD for a lone surrogate, as TextEncoder does) as UTF-8. */
function pushCodePoint(c: number): void {
  if (c < 0x80) pushByte(c);
  else if (c < 0x800) {
    pushByte(0xc0 | (c >> 6));
    pushByte(0x80 | (c & 63));
  } else if (c < 0x10000) {
    pushByte(0xe0 | (c >> 12));
    pushByte(0x80 | ((c >> 6) & 63));
    pushByte(0x80 | (c & 63));
  } else {
    pushByte(0xf0 | (c >> 18));
    pushByte(0x80 | ((c >> 12) & 63));
    pushByte(0x80 | ((c >> 6) & 63));
    pushByte(0x80 | (c & 63));
  }
}

function pushText(text: string, from: number): void {
  const length = text.length;
  for (let i = from; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      pushByte(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pushCodePoint(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
        i++;
        continue;
      }
      pushCodePoint(0xfffd);
      continue;
    }
    pushCodePoint(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  }
}

/** The state after hashing `prefix` with `seed`: continue it with `murmur3Continue`. */
export function murmur3Prefix(prefix: string, seed = 0): Murmur3Prefix {
  h = seed | 0;
  k = 0;
  n = 0;
  len = 0;
  for (const byte of utf8Bytes(prefix)) pushByte(byte);
  return { h, pending: k, pendingBytes: n, length: len };
}

/** The mixed block: one step of the body loop (small, so the compiler inlines it). */
function mixed(hash: number, block: number): number {
  let x = Math.imul(block, C1);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, C2);
  hash ^= x;
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

/** `murmur3(prefix + text, seed)` as an unsigned 32-bit integer, from the prefix's state. */
export function murmur3Continue(prefix: Murmur3Prefix, text: string): number {
  // ASCII fast path in locals; the first non-ASCII character hands over to the byte pusher.
  let hash = prefix.h;
  let block = prefix.pending;
  let bytes = prefix.pendingBytes;
  const length = text.length;
  let i = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) break;
    block |= c << (bytes << 3);
    if (++bytes === 4) {
      hash = mixed(hash, block);
      block = 0;
      bytes = 0;
    }
  }
  let total = prefix.length + i;
  if (i < length) {
    h = hash;
    k = block;
    n = bytes;
    len = total;
    pushText(text, i);
    hash = h;
    block = k;
    bytes = n;
    total = len;
  }
  if (bytes > 0) {
    let x = Math.imul(block, C1);
    x = (x << 15) | (x >>> 17);
    hash ^= Math.imul(x, C2);
  }
  let out = hash ^ total;
  out ^= out >>> 16;
  out = Math.imul(out, 0x85ebca6b);
  out ^= out >>> 13;
  out = Math.imul(out, 0xc2b2ae35);
  out ^= out >>> 16;
  return out >>> 0;
}
