// The limit every evaluator is measured against: MurmurHash3 x86_32 (seed 0) of "groupId:userId"
// built with a template string, hashed straight from the string's char codes (the ids are ASCII;
// anything else falls back to the domain's murmur3), then the bucket compare. No constraint, no
// flag lookup, no allocation besides the string.
import { murmur3 } from '@sluice/domain';
import type { Contender } from './contenders.js';
import { FLAG, ROLLOUT_PERCENT, type User } from './fixture.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mix(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3(text, 0) for ASCII text, byte-exact with the domain's murmur3. */
export function murmur3Ascii(text: string): number {
  const len = text.length;
  const blocks = len & ~3;
  let h = 0;
  for (let i = 0; i < blocks; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return murmur3(text);
    h = mix(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  let k = 0;
  for (let i = len - 1; i >= blocks; i--) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return murmur3(text);
    k = (k << 8) | c;
  }
  if (len & 3) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function bareHash(): Contender {
  let ids: string[] = [];
  return {
    key: 'bareHash',
    label: 'bare loop: murmur3(`groupId:userId`) % 100 < 10',
    peer: false,
    prepare: (users: readonly User[]) => {
      ids = users.map((u) => u.id);
      for (const id of ids.slice(0, 1000)) {
        if (murmur3Ascii(`${FLAG}:${id}`) !== murmur3(`${FLAG}:${id}`)) throw new Error(`bare murmur3 disagrees on ${id}`);
      }
    },
    run: () => {
      let n = 0;
      for (let i = 0; i < ids.length; i++) if ((murmur3Ascii(`${FLAG}:${ids[i] as string}`) % 100) + 1 <= ROLLOUT_PERCENT) n++;
      return n;
    },
  };
}
