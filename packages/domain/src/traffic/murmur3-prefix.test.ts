import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { mulberry32 } from '../analysis/seeded-random.js';
import { murmur3 } from './murmur3.js';
import { murmur3Continue, murmur3Prefix } from './murmur3-prefix.js';

// The oracle ships no types; load it through require and state the one function we use.
const oracle = createRequire(import.meta.url)('murmurhash3js-revisited') as {
  x86: { hash32(bytes: Uint8Array, seed?: number): number };
};
const encoder = new TextEncoder();

/** ASCII, 2- and 3-byte BMP, astral pairs and the odd lone surrogate. */
function randomText(rand: () => number): string {
  const length = Math.floor(rand() * 24);
  let s = '';
  for (let i = 0; i < length; i++) {
    const pool = rand();
    if (pool < 0.5) s += String.fromCharCode(0x20 + Math.floor(rand() * 0x5f));
    else if (pool < 0.65) s += String.fromCharCode(0x80 + Math.floor(rand() * 0x780));
    else if (pool < 0.8) s += String.fromCharCode(0x800 + Math.floor(rand() * 0xd000));
    else if (pool < 0.95) s += String.fromCodePoint(0x1f300 + Math.floor(rand() * 0x350));
    else s += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800));
  }
  return s;
}

test('murmur3Continue(prefix, text) equals the oracle on prefix + text for 5,000 random pairs', () => {
  const rand = mulberry32(7);
  for (let i = 0; i < 5000; i++) {
    const prefix = `${randomText(rand)}:`;
    const text = randomText(rand);
    const seed = i % 3 === 0 ? 86028157 : i % 3 === 1 ? 0 : Math.floor(rand() * 0xffffffff);
    const expected = oracle.x86.hash32(encoder.encode(prefix + text), seed);
    assert.equal(murmur3Continue(murmur3Prefix(prefix, seed), text), expected, `#${i} ${JSON.stringify(prefix)} + ${JSON.stringify(text)}`);
    assert.equal(murmur3(prefix + text, seed), expected);
  }
});

test('a prefix state can be reused for many texts', () => {
  const state = murmur3Prefix('my-flag:');
  for (const id of ['', 'a', 'ab', 'abc', 'abcd', 'user-123', 'ünï', '🙂']) {
    assert.equal(murmur3Continue(state, id), murmur3(`my-flag:${id}`), id);
  }
});
