/**
 * A small seeded random generator for the fuzz tests (spec parser, API, proxy): the same seed gives
 * the same inputs on every machine, so a failure prints its seed and input index and replays exactly.
 */
export class FuzzRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }

  /** mulberry32: a uniform 32-bit value. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** A string of any UTF-16 units: ASCII, controls (NUL included), Latin-1, BMP, astral pairs and lone surrogates. */
  unicode(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) {
      const kind = this.int(6);
      if (kind === 0) out += String.fromCharCode(this.int(0x20));
      else if (kind === 1) out += String.fromCharCode(0x80 + this.int(0x80));
      else if (kind === 2) out += String.fromCharCode(0x100 + this.int(0xd700));
      else if (kind === 3) out += String.fromCodePoint(0x10000 + this.int(0xfffff));
      else if (kind === 4) out += String.fromCharCode(0xd800 + this.int(0x800));
      else out += String.fromCharCode(0x20 + this.int(0x5f));
    }
    return out;
  }
}

/** How many inputs to run and from which seed; SLUICE_FUZZ_SEED and SLUICE_FUZZ_N override the defaults. */
export interface FuzzSettings {
  readonly seed: number;
  readonly n: number;
}

export function fuzzSettings(env: Readonly<Record<string, string | undefined>>, defaults: FuzzSettings): FuzzSettings {
  const seed = parseWhole(env['SLUICE_FUZZ_SEED'], 'SLUICE_FUZZ_SEED') ?? defaults.seed;
  const n = parseWhole(env['SLUICE_FUZZ_N'], 'SLUICE_FUZZ_N') ?? defaults.n;
  return { seed, n };
}

function parseWhole(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a whole number ≥ 0`);
  return n;
}
