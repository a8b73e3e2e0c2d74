/**
 * Unleash's variant selection (unleash-client-node `variant.ts`): overrides first, then a weighted
 * pick by `normalizedHash(stickinessId, groupId, totalWeight, 86028157)`, walking the variants and
 * taking the first whose cumulative weight reaches the target.
 */
import { contextValue } from './context.js';
import type { EvaluateOptions, FlagContext, VariantDefinition } from './model.js';
import { VARIANT_SEED, normalizedHash } from './strategies.js';

function overrideFor(variants: readonly VariantDefinition[], context: FlagContext): VariantDefinition | undefined {
  return variants.find((v) =>
    (v.overrides ?? []).some((o) => {
      const value = contextValue(context, o.contextName);
      return value !== undefined && (o.values ?? []).includes(value);
    }),
  );
}

/**
 * The id variants stick to. `default` is userId, then sessionId, then remoteAddress; any other
 * name is that context field. Falls back to a random id, or to "" without a random source.
 */
function variantStickinessId(stickiness: string, context: FlagContext, options: EvaluateOptions): string {
  const id =
    stickiness === 'default'
      ? context.userId || context.sessionId || context.remoteAddress
      : contextValue(context, stickiness);
  if (id) return id;
  return options.random ? String(Math.round(options.random() * 10000) + 1) : '';
}

export interface VariantPick {
  readonly variant: VariantDefinition;
  /** True when the pick depended on the hash (more than one variant with weight), not an override. */
  readonly split: boolean;
}

/**
 * Picks a variant, or undefined when there is none with weight. `stickiness` is the strategy's
 * for strategy variants; for flag variants it is the first variant's (Unleash's rule).
 */
export function selectVariant(
  variants: readonly VariantDefinition[],
  groupId: string,
  stickiness: string | null | undefined,
  context: FlagContext,
  options: EvaluateOptions,
): VariantPick | undefined {
  const totalWeight = variants.reduce((sum, v) => sum + v.weight, 0);
  if (totalWeight <= 0) return undefined;
  const override = overrideFor(variants, context);
  if (override) return { variant: override, split: false };
  const weighted = variants.filter((v) => v.weight > 0);
  const target = normalizedHash(variantStickinessId(stickiness || 'default', context, options), groupId, totalWeight, VARIANT_SEED);
  let counter = 0;
  for (const variant of weighted) {
    counter += variant.weight;
    if (counter >= target) return { variant, split: weighted.length > 1 };
  }
  return undefined;
}
