import { createRequire } from 'node:module';
import { mulberry32 } from '@sluice/domain';

/**
 * Seeded synthetic users for the experiment e2e: each user's variant from an independent MurmurHash3
 * (the murmurhash3js-revisited oracle, not the domain's), whether they buy, what they spend and how
 * long their page took; the events a client would send for them; and the raw values the statistics
 * reference is computed from.
 */

const oracle = createRequire(import.meta.url)('murmurhash3js-revisited') as { x86: { hash32(bytes: Uint8Array, seed?: number): number } };

/** bucketOf by the oracle: MurmurHash3 x86_32 of "salt:key" (UTF-8), modulo 10,000. */
export const oracleBucket = (salt: string, key: string): number => oracle.x86.hash32(new TextEncoder().encode(`${salt}:${key}`), 0) % 10_000;

/** Variants in allocation order (treatments as listed, the control last) with their weights. */
export function oracleVariant(salt: string, ordered: readonly (readonly [string, number])[], key: string): string {
  const bucket = oracleBucket(salt, key);
  let cumulative = 0;
  for (const [name, weight] of ordered) {
    cumulative += weight;
    if (bucket < Math.round(cumulative * 100)) return name;
  }
  return ordered[ordered.length - 1]?.[0] ?? '';
}

export interface Truth {
  readonly conversion: number;
  readonly orderValue: number;
  readonly latencyMs: number;
}

export interface RawVariant {
  users: number;
  converters: number;
  /** Every checkout value sent, duplicates included (a mean metric counts every event). */
  orderValues: number[];
  latencies: number[];
}

export interface SyntheticEvent {
  readonly key: string;
  readonly event: string;
  readonly value?: number;
  readonly experiment?: string;
}

export interface SyntheticRun {
  readonly events: SyntheticEvent[];
  readonly raw: Record<string, RawVariant>;
}

export interface SyntheticOptions {
  readonly experiment: string;
  readonly ordered: readonly (readonly [string, number])[];
  readonly truth: Readonly<Record<string, Truth>>;
  readonly users: number;
  readonly seed: number;
  /** Share of each variant's exposures that are lost before they are sent (a broken redirect). */
  readonly lose?: Readonly<Record<string, number>>;
  /** Event names. */
  readonly conversionEvent: string;
  readonly latencyEvent?: string;
}

/**
 * The events of `users` users, in the order a client would send them: the exposure, then a page-load
 * time and, for buyers, a checkout with its value. Noise the server must see through: 5 % of users send
 * their exposure twice, 5 % of buyers send their checkout twice (the conversion counts once, both values
 * count), and 100 users who were never exposed buy too (not counted).
 */
export function synthesize(options: SyntheticOptions): SyntheticRun {
  const random = mulberry32(options.seed);
  const exponential = (mean: number): number => -mean * Math.log(1 - random());
  const raw: Record<string, RawVariant> = Object.fromEntries(options.ordered.map(([name]) => [name, { users: 0, converters: 0, orderValues: [], latencies: [] }]));
  const events: SyntheticEvent[] = [];
  const exposure = { event: '$exposure', experiment: options.experiment };
  for (let i = 0; i < options.users; i++) {
    const key = `${options.experiment}-user-${i}`;
    const variant = oracleVariant(options.experiment, options.ordered, key);
    const truth = options.truth[variant];
    const r = raw[variant];
    if (truth === undefined || r === undefined) throw new Error(`no truth for ${variant}`);
    const lost = random() < (options.lose?.[variant] ?? 0);
    const buys = random() < truth.conversion;
    const twice = random() < 0.05;
    if (lost) continue;
    r.users++;
    events.push({ key, ...exposure });
    if (twice) events.push({ key, ...exposure });
    if (options.latencyEvent !== undefined) {
      const ms = exponential(truth.latencyMs);
      r.latencies.push(ms);
      events.push({ key, event: options.latencyEvent, value: ms });
    }
    if (!buys) continue;
    r.converters++;
    const value = exponential(truth.orderValue);
    r.orderValues.push(value);
    events.push({ key, event: options.conversionEvent, value });
    if (twice) {
      r.orderValues.push(value / 2);
      events.push({ key, event: options.conversionEvent, value: value / 2 });
    }
  }
  for (let i = 0; i < 100; i++) events.push({ key: `${options.experiment}-stranger-${i}`, event: options.conversionEvent, value: 10 });
  return { events, raw };
}

/** POSTs the events in batches of 1,000, as an SDK flushing its queue would; fails on any non-200. */
export async function postEvents(url: string, events: readonly SyntheticEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += 1000) {
    const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: events.slice(start, start + 1000) }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST /api/v1/events answered ${res.status}: ${text}`);
  }
}
