import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { murmur3 } from './murmur3.js';
import { utf8Bytes } from './utf8.js';

// The oracle ships no types; load it through require and state the one function we use.
const oracle = createRequire(import.meta.url)('murmurhash3js-revisited') as {
  x86: { hash32(bytes: Uint8Array, seed?: number): number };
};
const encoder = new TextEncoder();

/** Deterministic PRNG (mulberry32) so a failure names a reproducible string. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A code point from one of three pools: ASCII, BMP outside the surrogates, or astral emoji. */
function randomCodePoint(rand: () => number): number {
  const pool = rand();
  if (pool < 0.4) return 0x20 + Math.floor(rand() * 0x5f);
  if (pool < 0.75) {
    const c = 0x80 + Math.floor(rand() * (0xfffe - 0x80));
    return c >= 0xd800 && c <= 0xdfff ? c - 0x800 : c;
  }
  return 0x1f300 + Math.floor(rand() * 0x350);
}

function randomStrings(count: number): string[] {
  const rand = prng(42);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = Math.floor(rand() * 40);
    let s = '';
    for (let j = 0; j < length; j++) s += String.fromCodePoint(randomCodePoint(rand));
    out.push(s);
  }
  return out;
}

describe('murmur3', () => {
  test('murmur3 matches published x86_32 vectors', () => {
    assert.equal(murmur3('', 0), 0);
    assert.equal(murmur3('', 1), 0x514e28b7);
    assert.equal(murmur3('', 0xffffffff), 0x81f16f39);
    assert.equal(murmur3('hello'), 0x248bfa47);
    assert.equal(murmur3('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
    assert.equal(murmur3('ünïcödé-user-42'), 0xc97560c3);
  });

  test('murmur3 handles every tail length (1, 2, 3 and 0 leftover bytes)', () => {
    assert.equal(murmur3('a'), 0x3c2569b2);
    assert.equal(murmur3('ab'), 0x9bbfd75f);
    assert.equal(murmur3('abc'), 0xb3dd93fa);
    assert.equal(murmur3('abcd'), 0x43ed676a);
  });

  test('murmur3 hashes bytes and strings the same way', () => {
    const text = 'user-🙂-42';
    assert.equal(murmur3(encoder.encode(text)), murmur3(text));
  });

  test('murmur3 returns an unsigned 32-bit integer', () => {
    for (const s of randomStrings(200)) {
      const h = murmur3(s);
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, `hash of ${JSON.stringify(s)} is ${h}`);
    }
  });

  test('murmur3 agrees with the murmurhash3js-revisited oracle on 2,000 random strings', () => {
    const strings = randomStrings(2000);
    // The generator must really produce multi-byte and astral text, or this test proves little.
    assert.ok(strings.some((s) => /[\u{1f300}-\u{1f64f}]/u.test(s)), 'no astral characters generated');
    assert.ok(strings.some((s) => /[\u0800-\uffff]/u.test(s)), 'no 3-byte characters generated');
    for (const [i, s] of strings.entries()) {
      const bytes = encoder.encode(s);
      const seed = i % 7 === 0 ? i * 2654435761 : 0;
      assert.equal(murmur3(s, seed >>> 0), oracle.x86.hash32(bytes, seed >>> 0), `string #${i} ${JSON.stringify(s)} seed ${seed >>> 0}`);
    }
  });
});

describe('utf8Bytes', () => {
  test('utf8Bytes equals TextEncoder on 2,000 random strings', () => {
    for (const [i, s] of randomStrings(2000).entries()) {
      assert.deepEqual(utf8Bytes(s), encoder.encode(s), `string #${i} ${JSON.stringify(s)}`);
    }
  });

  test('utf8Bytes replaces lone surrogates with U+FFFD like TextEncoder', () => {
    for (const s of ['\ud800', 'a\udc00b', '\ud83d', '\ud83dx', '\udc00\ud800', 'ok\ud83d\ude42\ud83d']) {
      assert.deepEqual(utf8Bytes(s), encoder.encode(s), JSON.stringify(s));
    }
  });
});
