/**
 * Strategy rules (the strategy's own test, not its constraints) compiled once: parameters parsed,
 * the "groupId:" prefix of the bucketing hash pre-hashed, user lists as Sets, CIDR ranges parsed.
 * Same results as `strategyEnables` (../strategies.ts), including the order of calls to `random`.
 */
import { murmur3Continue, murmur3Prefix, type Murmur3Prefix } from '../../traffic/murmur3-prefix.js';
import { cidrContains, parseCidr, parseIpInto } from '../../traffic/ip-address.js';
import { contextValue } from '../context.js';
import type { EvaluateOptions, FlagContext, StrategyDefinition } from '../model.js';
import {
  STRATEGY_SEED,
  listOf,
  param,
  percentageOf,
  rolloutBucketHit,
  rolloutStickinessId,
  strategyEnables,
  type Parameters,
} from '../strategies.js';
import { ALWAYS, NEVER, type ContextTest } from './constraints.js';

const EMPTY: Parameters = {};

/** The parsed address of remoteAddress. Safe to share: evaluation is synchronous. */
const parsed = new Uint32Array(4);

/** The hash of `prefix + id` for an id that may not be a string (a number userId is hashed as its text). */
export function hashId(prefix: Murmur3Prefix, id: unknown): number {
  return murmur3Continue(prefix, typeof id === 'string' ? id : `${id as string}`);
}

function rollout(prefix: Murmur3Prefix, percentage: number, id: unknown): boolean {
  if (!id) return false;
  return percentage > 0 && rolloutBucketHit(hashId(prefix, id), percentage);
}

function flexibleRollout(parameters: Parameters, featureName: string, options: EvaluateOptions): ContextTest {
  const stickiness = param(parameters, 'stickiness') || 'default';
  const prefix = murmur3Prefix(`${param(parameters, 'groupId') || featureName}:`, STRATEGY_SEED);
  const percentage = percentageOf(parameters, 'rollout');
  if (stickiness === 'default' || stickiness === 'random') {
    return (context) => rollout(prefix, percentage, rolloutStickinessId(stickiness, context, options));
  }
  if (percentage <= 0) return NEVER;
  return (context) => {
    const id = contextValue(context, stickiness);
    return id !== undefined && id !== '' && rolloutBucketHit(murmur3Continue(prefix, id), percentage);
  };
}

function gradualRollout(parameters: Parameters, featureName: string, field: 'userId' | 'sessionId'): ContextTest {
  const prefix = murmur3Prefix(`${param(parameters, 'groupId') || featureName}:`, STRATEGY_SEED);
  const percentage = percentageOf(parameters, 'percentage');
  return (context) => rollout(prefix, percentage, context[field]);
}

function userWithId(parameters: Parameters): ContextTest {
  const ids = new Set(listOf(parameters, 'userIds'));
  return (context) => {
    const userId = context.userId;
    return userId !== undefined && ids.has(userId);
  };
}

function remoteAddress(parameters: Parameters): ContextTest {
  const entries = listOf(parameters, 'IPs');
  const ranges = entries.map((entry) => parseCidr(entry));
  return (context) => {
    const address = context.remoteAddress;
    if (!address) return false;
    const valid = parseIpInto(address, parsed);
    for (let i = 0; i < entries.length; i++) {
      if (entries[i] === address) return true;
      const range = valid ? ranges[i] : undefined;
      if (range !== undefined && cidrContains(range, parsed)) return true;
    }
    return false;
  };
}

/** The strategy's rule as a predicate; unknown strategies never enable. */
export function compileRule(strategy: StrategyDefinition, featureName: string, options: EvaluateOptions): ContextTest {
  const parameters: Parameters = strategy.parameters ?? EMPTY;
  switch (strategy.name) {
    case 'default':
      return ALWAYS;
    case 'flexibleRollout':
      return flexibleRollout(parameters, featureName, options);
    case 'gradualRolloutUserId':
      return gradualRollout(parameters, featureName, 'userId');
    case 'gradualRolloutSessionId':
      return gradualRollout(parameters, featureName, 'sessionId');
    case 'userWithId':
      return userWithId(parameters);
    case 'remoteAddress':
      return remoteAddress(parameters);
    case 'gradualRolloutRandom':
    case 'applicationHostname': {
      const name = strategy.name;
      return (context: FlagContext) => strategyEnables(name, { parameters, context, featureName, options });
    }
    default:
      return NEVER;
  }
}
