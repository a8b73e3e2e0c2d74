/**
 * A variant list compiled once: overrides as Sets, cumulative weights, the "groupId:" prefix of
 * the variant hash pre-hashed, and every result the list can produce built (and frozen) ahead of
 * time, so picking a variant allocates nothing. Same picks as `selectVariant` (../variants.ts).
 */
import { murmur3Prefix, type Murmur3Prefix } from '../../traffic/murmur3-prefix.js';
import { contextValue } from '../context.js';
import { toResolved, withValue } from '../evaluate.js';
import type { EvaluateOptions, FlagContext, FlagEvaluation, FlagReason, VariantDefinition } from '../model.js';
import { VARIANT_SEED } from '../strategies.js';
import { hashId } from './rules.js';

/** Freezes a result and everything in it: results are shared between evaluations. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

interface Override {
  readonly index: number;
  readonly field: string;
  readonly values: ReadonlySet<string>;
}

/** The three results a variant can give: picked by the hash among several, or else with a static or targeting match. */
interface VariantResults {
  readonly split: FlagEvaluation;
  readonly static: FlagEvaluation;
  readonly targeting: FlagEvaluation;
}

function resultsFor(variant: VariantDefinition): VariantResults {
  const make = (reason: FlagReason, split: boolean): FlagEvaluation =>
    deepFreeze(withValue({ enabled: true, reason, variant: toResolved({ variant, split }) }));
  return { split: make('SPLIT', true), static: make('STATIC', false), targeting: make('TARGETING_MATCH', false) };
}

/** No pick (no variant has weight, or the hash fell past the last one). */
export const NO_VARIANT = -1;

export class CompiledVariants {
  private readonly totalWeight: number;
  private readonly overrides: readonly Override[];
  private readonly weighted: readonly number[];
  private readonly cumulative: readonly number[];
  private readonly split: boolean;
  private readonly prefix: Murmur3Prefix;
  private readonly results: readonly VariantResults[];

  constructor(
    variants: readonly VariantDefinition[],
    groupId: string,
    private readonly stickiness: string,
    private readonly options: EvaluateOptions,
  ) {
    this.totalWeight = variants.reduce((sum, v) => sum + v.weight, 0);
    this.overrides = variants.flatMap((v, index) =>
      (v.overrides ?? []).map((o) => ({ index, field: o.contextName, values: new Set(o.values ?? []) })),
    );
    this.weighted = variants.flatMap((v, index) => (v.weight > 0 ? [index] : []));
    let counter = 0;
    this.cumulative = this.weighted.map((index) => (counter += (variants[index] as VariantDefinition).weight));
    this.split = this.weighted.length > 1;
    this.prefix = murmur3Prefix(`${groupId}:`, VARIANT_SEED);
    this.results = variants.map(resultsFor);
  }

  /** The stickiness id, exactly as `variantStickinessId`: may call `random`. */
  private stickinessId(context: FlagContext): unknown {
    const id =
      this.stickiness === 'default' ? context.userId || context.sessionId || context.remoteAddress : contextValue(context, this.stickiness);
    if (id) return id;
    return this.options.random ? String(Math.round(this.options.random() * 10000) + 1) : '';
  }

  /** The picked variant as `index * 2 + (split ? 1 : 0)`, or NO_VARIANT. */
  select(context: FlagContext): number {
    if (this.totalWeight <= 0) return NO_VARIANT;
    for (const o of this.overrides) {
      const value = contextValue(context, o.field);
      if (value !== undefined && o.values.has(value)) return o.index * 2;
    }
    const target = (hashId(this.prefix, this.stickinessId(context)) % this.totalWeight) + 1;
    const cumulative = this.cumulative;
    for (let i = 0; i < cumulative.length; i++) {
      if ((cumulative[i] as number) >= target) return (this.weighted[i] as number) * 2 + (this.split ? 1 : 0);
    }
    return NO_VARIANT;
  }

  /** The (shared, frozen) result of a pick made by `select`. */
  result(pick: number, unconditional: boolean): FlagEvaluation {
    const results = this.results[pick >> 1] as VariantResults;
    if ((pick & 1) === 1) return results.split;
    return unconditional ? results.static : results.targeting;
  }
}
