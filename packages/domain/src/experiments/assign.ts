/**
 * Sticky assignment of users to an experiment's variants: the same hash as the data plane's canary
 * split (bucketOf(salt, key) → 0..9,999, MurmurHash3), with the experiment's name as salt, cut into
 * consecutive bucket ranges by the variants' weights. Any SDK or data plane that buckets this way
 * assigns a key to the same variant, and a key never changes variant while the experiment runs.
 *
 * The ranges are laid out in allocation order: the treatments in the order the spec lists them, then
 * the control last. So the treatment of a two-variant experiment holds buckets [0, weight × 100),
 * exactly the canary's range of a split { stable: control, canary: treatment, weight, salt: name }
 * (inCanary): the built-in proxy serving that split assigns every key as assignVariant does.
 */
import { BUCKETS, bucketOf } from '../traffic/bucket.js';

export interface WeightedVariant {
  readonly name: string;
  /** Percent of the experiment's users; the weights sum to 100. */
  readonly weight: number;
}

/** A variant's buckets: [from, to). */
export interface VariantBucketRange {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** The variants in allocation order: the treatments as listed, then the control. */
export function allocationOrder<V extends WeightedVariant>(variants: readonly V[], control: string): V[] {
  return [...variants.filter((v) => v.name !== control), ...variants.filter((v) => v.name === control)];
}

/**
 * Consecutive bucket ranges in the order given. Each upper bound is the cumulative weight × 100,
 * rounded as inCanary rounds a weight; the last range ends at BUCKETS whatever the rounding.
 */
export function variantBucketRanges(variants: readonly WeightedVariant[]): VariantBucketRange[] {
  let cumulative = 0;
  let from = 0;
  return variants.map((v, i) => {
    cumulative += v.weight;
    const to = i === variants.length - 1 ? BUCKETS : Math.min(BUCKETS, Math.max(from, Math.round(cumulative * (BUCKETS / 100))));
    const range = { name: v.name, from, to };
    from = to;
    return range;
  });
}

/**
 * The variant of `key` in experiment `experimentName`, with the bucket ranges laid out in the order of
 * `variants` (pass them in allocationOrder to agree with the proxy's split). Throws RangeError for an
 * empty list.
 */
export function assignVariant(experimentName: string, variants: readonly WeightedVariant[], key: string): string {
  if (variants.length === 0) throw new RangeError('assignVariant: an experiment needs variants');
  const bucket = bucketOf(experimentName, key);
  const ranges = variantBucketRanges(variants);
  const found = ranges.find((r) => bucket < r.to);
  return (found ?? (ranges[ranges.length - 1] as VariantBucketRange)).name;
}

/** A reusable assigner for one experiment: its ranges computed once, in allocation order. */
export function variantAssigner(experiment: { readonly name: string; readonly variants: readonly WeightedVariant[]; readonly control: string }): (key: string) => string {
  const ranges = variantBucketRanges(allocationOrder(experiment.variants, experiment.control));
  const last = ranges[ranges.length - 1];
  if (last === undefined) throw new RangeError('variantAssigner: an experiment needs variants');
  return (key) => {
    const bucket = bucketOf(experiment.name, key);
    return (ranges.find((r) => bucket < r.to) ?? last).name;
  };
}
