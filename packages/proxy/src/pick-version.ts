import { bucketOf, inCanary } from '@sluice/domain';
import type { TrafficSplit } from '@sluice/domain';

/**
 * The version one stickiness key is served by. Only a split with a canary and a weight strictly
 * between 0 and 100 needs the hash; the bucket rule is the domain's, shared with every SDK.
 */
export function pickVersion(split: TrafficSplit, key: string): string {
  const canary = split.canary;
  if (canary === undefined || split.weight <= 0) return split.stable;
  if (split.weight >= 100) return canary;
  return inCanary(bucketOf(split.salt, key), split.weight) ? canary : split.stable;
}
