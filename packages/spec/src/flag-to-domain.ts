import type { SetFlagStep, ConstraintDefinition, FlagEnvironmentSpec, FlagSpec, FlagValue, FlagVariantSpec } from '@sluice/domain';
import type { RawFlagEnvironment, RawFlagSpec, RawSetFlagStep } from './flag-schemas.js';

type RawVariant = NonNullable<RawFlagSpec['variants']>[number];
type RawConstraint = NonNullable<NonNullable<RawFlagEnvironment['rules']>[number]['constraints']>[number];

/** A list without weights shares 100 evenly (in 0.1 steps; the first ones get the rest). */
function toVariants(raw: readonly RawVariant[] | undefined): FlagVariantSpec[] {
  const list = raw ?? [];
  const unweighted = list.filter((v) => v.weight === undefined).length;
  const given = list.reduce((s, v) => s + Math.round((v.weight ?? 0) * 10), 0);
  const share = unweighted > 0 ? Math.floor((1000 - given) / unweighted) : 0;
  let extra = unweighted > 0 ? 1000 - given - share * unweighted : 0;
  return list.map((v) => {
    let weight = v.weight;
    if (weight === undefined) {
      weight = (share + (extra > 0 ? 1 : 0)) / 10;
      if (extra > 0) extra--;
    }
    return { name: v.name, value: v.value as FlagValue, weight };
  });
}

function toConstraint(raw: RawConstraint): ConstraintDefinition {
  return {
    contextName: raw.contextName,
    operator: raw.operator,
    inverted: raw.inverted ?? false,
    caseInsensitive: raw.caseInsensitive ?? false,
    ...(raw.values !== undefined ? { values: raw.values } : {}),
    ...(raw.value !== undefined ? { value: raw.value } : {}),
  };
}

function toEnvironment(raw: RawFlagEnvironment): FlagEnvironmentSpec {
  const rules = (raw.rules ?? []).map((r, i) => ({
    name: r.name ?? `rule-${i + 1}`,
    constraints: (r.constraints ?? []).map(toConstraint),
    segments: r.segments ?? [],
    rollout: r.rollout ?? 100,
    stickiness: r.stickiness ?? 'default',
    variants: toVariants(r.variants),
  }));
  return {
    enabled: raw.enabled,
    overrides: (raw.overrides ?? []).map((o) => ({
      contextName: o.contextName ?? 'userId',
      values: o.values,
      enabled: o.enabled ?? true,
      ...(o.variant !== undefined ? { variant: o.variant } : {}),
    })),
    rules,
    default: {
      rollout: raw.default?.rollout ?? (rules.length === 0 ? 100 : 0),
      stickiness: raw.default?.stickiness ?? 'default',
      ...(raw.default?.variant !== undefined ? { variant: raw.default.variant } : {}),
    },
    ...(raw.variantWeights !== undefined ? { variantWeights: raw.variantWeights } : {}),
  };
}

/** The domain's FlagSpec, defaults filled in: kind release, type boolean, off in unlisted environments. */
export function toFlagSpec(raw: RawFlagSpec): FlagSpec {
  const environments: Record<string, FlagEnvironmentSpec> = {};
  for (const [name, env] of Object.entries(raw.environments ?? {})) environments[name] = toEnvironment(env);
  return {
    kind: raw.kind ?? 'release',
    type: raw.type ?? 'boolean',
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    ...(raw.owner !== undefined ? { owner: raw.owner } : {}),
    variants: toVariants(raw.variants),
    prerequisites: (raw.prerequisites ?? []).map((p) => ({ flag: p.flag, enabled: p.enabled ?? true, variants: p.variants ?? [] })),
    environments,
  };
}

export function toSetFlagStep(raw: RawSetFlagStep): SetFlagStep {
  return {
    kind: 'setFlag',
    flag: raw.flag,
    environment: raw.environment,
    ...(raw.enabled !== undefined ? { enabled: raw.enabled } : {}),
    ...(raw.rollout !== undefined ? { rollout: raw.rollout } : {}),
    ...(raw.variantWeights !== undefined ? { variantWeights: raw.variantWeights } : {}),
  };
}
