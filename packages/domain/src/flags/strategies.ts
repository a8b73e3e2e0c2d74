/**
 * Unleash's built-in activation strategies (unleash-client-node `strategy/*.ts` semantics) and its
 * bucketing: `murmur3("groupId:id", seed) % normalizer + 1` over UTF-8, seed 0 for rollouts
 * (normalizer 100, so buckets 1..100) and 86028157 for variants (normalizer = total weight).
 * Rollout percentages may have two decimals: see `rolloutBucketHit`.
 */
import { cidrContains, parseCidr, parseIpInto } from '../traffic/ip-address.js';
import { murmur3 } from '../traffic/murmur3.js';
import { contextValue } from './context.js';
import type { EvaluateOptions, FlagContext } from './model.js';

export const STRATEGY_SEED = 0;
export const VARIANT_SEED = 86028157;

/** Unleash's `normalizedValue`: a bucket in 1..normalizer for `id` within `groupId`. */
export function normalizedHash(id: string, groupId: string, normalizer: number, seed = STRATEGY_SEED): number {
  return (murmur3(`${groupId}:${id}`, seed) % normalizer) + 1;
}

export type Parameters = Readonly<Record<string, unknown>>;

/** What a strategy sees: the parameters, the context, the flag's name (default groupId), the injected effects. */
export interface StrategyInput {
  readonly parameters: Parameters;
  readonly context: FlagContext;
  readonly featureName: string;
  readonly options: EvaluateOptions;
}

/** A parameter as text (numbers are turned into text), or undefined. */
export function param(parameters: Parameters, key: string): string | undefined {
  const v = parameters[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** A percentage parameter as a number (0 when absent or not a number). */
export function percentageOf(parameters: Parameters, key: string): number {
  const n = Number(param(parameters, key) ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** A comma-separated list parameter, trimmed, without empty items. */
export function listOf(parameters: Parameters, key: string): string[] {
  return (param(parameters, key) ?? '').split(/\s*,\s*/).map((s) => s.trim()).filter((s) => s.length > 0);
}

function groupIdOf(input: StrategyInput): string {
  return param(input.parameters, 'groupId') || input.featureName;
}

/** Unleash's random stickiness id: `Math.round(random * 10000) + 1`, or undefined without a random source. */
function randomId(options: EvaluateOptions): string | undefined {
  return options.random ? String(Math.round(options.random() * 10000) + 1) : undefined;
}

/** The stickiness id for flexibleRollout: `default` is userId, then sessionId, then random. */
export function rolloutStickinessId(stickiness: string, context: FlagContext, options: EvaluateOptions): string | undefined {
  switch (stickiness) {
    case 'default':
      return context.userId || context.sessionId || randomId(options);
    case 'random':
      return randomId(options);
    case 'userId':
    case 'sessionId':
      return contextValue(context, stickiness) || undefined;
    default:
      return contextValue(context, stickiness) || undefined;
  }
}

/**
 * Whether the unsigned 32-bit rollout hash `hash` of a user is inside `percentage` (0..100, 0.01
 * resolution). Unleash's bucket is `n = hash % 100 + 1` and an integer rollout takes `n <= p`.
 * A fractional rollout k + f also takes a share of bucket k + 1: the users whose sub-bucket
 * `floor(hash / 100) % 100` is below `round(f * 100)`. Raising the rollout only ever adds users,
 * and at an integer it is exactly Unleash.
 */
export function rolloutBucketHit(hash: number, percentage: number): boolean {
  if (!(percentage > 0)) return false;
  const n = (hash % 100) + 1;
  const whole = Math.floor(percentage);
  if (n <= whole) return true;
  if (n !== whole + 1) return false;
  return Math.floor(hash / 100) % 100 < Math.round((percentage - whole) * 100);
}

function rolloutHit(id: string | undefined, groupId: string, percentage: number): boolean {
  if (!id) return false;
  return percentage > 0 && rolloutBucketHit(murmur3(`${groupId}:${id}`, STRATEGY_SEED), percentage);
}

const flexibleRollout = (input: StrategyInput): boolean => {
  const stickiness = param(input.parameters, 'stickiness') || 'default';
  const id = rolloutStickinessId(stickiness, input.context, input.options);
  return rolloutHit(id, groupIdOf(input), percentageOf(input.parameters, 'rollout'));
};

const gradualRolloutUserId = (input: StrategyInput): boolean =>
  rolloutHit(input.context.userId, groupIdOf(input), percentageOf(input.parameters, 'percentage'));

const gradualRolloutSessionId = (input: StrategyInput): boolean =>
  rolloutHit(input.context.sessionId, groupIdOf(input), percentageOf(input.parameters, 'percentage'));

const gradualRolloutRandom = (input: StrategyInput): boolean => {
  const percentage = percentageOf(input.parameters, 'percentage');
  if (!input.options.random) return false;
  // floor(r * 100) + 1 <= p for integer p (Unleash), and exact for fractional p too.
  return percentage > 0 && input.options.random() * 100 < percentage;
};

const userWithId = (input: StrategyInput): boolean => {
  const userId = input.context.userId;
  return userId !== undefined && listOf(input.parameters, 'userIds').includes(userId);
};

const remoteAddress = (input: StrategyInput): boolean => {
  const address = input.context.remoteAddress;
  if (!address) return false;
  const parsed = new Uint32Array(4);
  const valid = parseIpInto(address, parsed);
  return listOf(input.parameters, 'IPs').some((entry) => {
    if (entry === address) return true;
    const range = valid ? parseCidr(entry) : undefined;
    return range !== undefined && cidrContains(range, parsed);
  });
};

const applicationHostname = (input: StrategyInput): boolean => {
  const host = input.options.hostname?.toLowerCase();
  if (!host) return false;
  return listOf(input.parameters, 'hostNames').some((h) => h.toLowerCase() === host);
};

const STRATEGIES: ReadonlyMap<string, (input: StrategyInput) => boolean> = new Map([
  ['default', () => true],
  ['flexibleRollout', flexibleRollout],
  ['gradualRolloutUserId', gradualRolloutUserId],
  ['gradualRolloutSessionId', gradualRolloutSessionId],
  ['gradualRolloutRandom', gradualRolloutRandom],
  ['userWithId', userWithId],
  ['remoteAddress', remoteAddress],
  ['applicationHostname', applicationHostname],
]);

/** True when the strategy's own rule (not its constraints) enables the flag. Unknown strategies never do. */
export function strategyEnables(name: string, input: StrategyInput): boolean {
  const strategy = STRATEGIES.get(name);
  return strategy !== undefined && strategy(input);
}

/** True when `name` is a strategy this evaluator knows. */
export function isKnownStrategy(name: string): boolean {
  return STRATEGIES.has(name);
}
