import { murmur3 } from './murmur3.js';

/** Number of buckets a key space is cut into: weights resolve to 0.01 %. */
export const BUCKETS = 10_000;

/**
 * The bucket (0..9,999) of a stickiness key within one salt (the rollout name), so different
 * rollouts pick different first users while one rollout never reshuffles its own.
 */
export function bucketOf(salt: string, key: string): number {
  return murmur3(`${salt}:${key}`) % BUCKETS;
}

/**
 * True when the bucket falls in the canary's share. Buckets [0, weight*100) are canary, so raising
 * the weight only adds buckets: a user on the canary never moves back to stable as weight rises.
 */
export function inCanary(bucket: number, weightPercent: number): boolean {
  return bucket < Math.round(weightPercent * (BUCKETS / 100));
}
