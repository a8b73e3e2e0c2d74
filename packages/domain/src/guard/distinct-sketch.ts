import { murmur3 } from '../traffic/murmur3.js';

// A HyperLogLog sketch (Flajolet et al. 2007) of distinct sticky keys: 2^12 registers of one byte,
// a standard error of 1.04 / √4096 ≈ 1.6 %, whatever the number of keys. Two sketches merge by
// taking each register's maximum, so the exposure of a rollout adds up across seconds and restarts.

const P = 12;
/** Registers in a sketch. */
export const SKETCH_REGISTERS = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / SKETCH_REGISTERS);
const DIGITS = '0123456789abcdefghijklmnopqrstuv';

export type DistinctSketch = Uint8Array;

export function emptySketch(): DistinctSketch {
  return new Uint8Array(SKETCH_REGISTERS);
}

/** Adds one key (hashed with MurmurHash3 over its UTF-8 bytes). */
export function addKey(sketch: DistinctSketch, key: string): void {
  addHash(sketch, murmur3(key, 0x5eed));
}

/** Adds one 32-bit hash: the top 12 bits pick a register, the rank of the rest is kept if higher. */
export function addHash(sketch: DistinctSketch, hash: number): void {
  const index = hash >>> (32 - P);
  const rest = (hash << P) >>> 0;
  // Position of the first 1 bit in the remaining 20 bits, 21 when they are all 0.
  const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
  if (rank > sketch[index]!) sketch[index] = rank;
}

/** `into` becomes the union of both sketches. */
export function mergeSketch(into: DistinctSketch, from: DistinctSketch): void {
  for (let i = 0; i < SKETCH_REGISTERS; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
}

/** The estimated number of distinct keys added, with linear counting for small numbers. */
export function estimateDistinct(sketch: DistinctSketch): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < SKETCH_REGISTERS; i++) {
    const r = sketch[i]!;
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const raw = (ALPHA * SKETCH_REGISTERS * SKETCH_REGISTERS) / sum;
  if (raw <= 2.5 * SKETCH_REGISTERS && zeros > 0) return Math.round(SKETCH_REGISTERS * Math.log(SKETCH_REGISTERS / zeros));
  return Math.round(raw);
}

/** One base-32 digit per register, runs of three or more empty registers as "-<count>." (a small rollout stays short). */
export function encodeSketch(sketch: DistinctSketch): string {
  let out = '';
  for (let i = 0; i < SKETCH_REGISTERS; ) {
    let run = 0;
    while (i + run < SKETCH_REGISTERS && sketch[i + run] === 0) run++;
    if (run >= 3) {
      out += `-${run}.`;
      i += run;
    } else {
      out += DIGITS[sketch[i]!];
      i++;
    }
  }
  return out;
}

/** The sketch `encodeSketch` wrote, or undefined for anything else (a damaged or foreign value). */
export function decodeSketch(text: string): DistinctSketch | undefined {
  const sketch = emptySketch();
  let i = 0;
  for (let at = 0; at < text.length; ) {
    const c = text[at]!;
    if (c === '-') {
      const end = text.indexOf('.', at);
      const run = end === -1 ? Number.NaN : Number(text.slice(at + 1, end));
      if (!Number.isInteger(run) || run < 1) return undefined;
      i += run;
      at = end + 1;
    } else {
      const r = DIGITS.indexOf(c);
      if (r < 0 || r > 32 - P + 1 || i >= SKETCH_REGISTERS) return undefined;
      sketch[i++] = r;
      at++;
    }
    if (i > SKETCH_REGISTERS) return undefined;
  }
  return i === SKETCH_REGISTERS ? sketch : undefined;
}
