/**
 * Compiles Flag resources into the Unleash client-API shapes (FeatureDefinition, SegmentDefinition)
 * that the evaluator, Sluice's SDKs and Unleash's own SDKs all run. One environment at a time.
 *
 * Order of a compiled flag's strategies: "on" overrides first (each pins its variant), then the rules
 * in order, then the default rollout. "Off" overrides become NOT_IN constraints on every other
 * strategy, so a named user can be kept out whatever the rules say.
 */
import { murmur3 } from '../traffic/murmur3.js';
import type { Segment } from '../traffic/segment.js';
import { environmentOf } from './flag-resource.js';
import type { Flag, FlagEnvironmentSpec, FlagOverrideSpec, FlagSpec, FlagVariantSpec } from './flag-resource.js';
import { segmentToConstraints } from './flag-segments.js';
import type { ConstraintDefinition, FeatureDefinition, FlagState, SegmentDefinition, StrategyDefinition, VariantDefinition } from './model.js';

/** Unleash variant weights sum to 1000: a percent weight is tenths of that. */
const WEIGHT_SCALE = 10;

/** A segment's numeric id in the client API: stable for a name, so clients never see ids move. */
export function segmentId(name: string): number {
  return murmur3(`segment:${name}`, 0) & 0x7fffffff;
}

function payloadOf(spec: FlagSpec, value: FlagVariantSpec['value']): VariantDefinition['payload'] {
  if (spec.type === 'boolean') return undefined;
  if (spec.type === 'json') return { type: 'json', value: JSON.stringify(value) };
  return { type: spec.type, value: String(value) };
}

function variantDefinitions(spec: FlagSpec, variants: readonly FlagVariantSpec[], stickiness: string, weights?: Readonly<Record<string, number>>): VariantDefinition[] {
  return variants.map((v) => {
    const payload = payloadOf(spec, v.value);
    const weight = Math.round((weights?.[v.name] ?? v.weight) * WEIGHT_SCALE);
    return { name: v.name, weight, weightType: 'variable', stickiness, ...(payload ? { payload } : {}) };
  });
}

function pinned(spec: FlagSpec, name: string | undefined, stickiness: string): VariantDefinition[] | undefined {
  if (name === undefined) return undefined;
  const variant = spec.variants.find((v) => v.name === name);
  return variant ? variantDefinitions(spec, [{ ...variant, weight: 100 }], stickiness) : undefined;
}

function rolloutParameters(flagName: string, rollout: number, stickiness: string): Record<string, string> {
  return { rollout: String(rollout), stickiness, groupId: flagName };
}

/**
 * A rollout strategy; at 100 % Unleash's `default` strategy, so users without any stickiness id
 * (anonymous, no random source) get the flag too.
 */
function rolloutStrategy(flagName: string, rollout: number, stickiness: string): Pick<StrategyDefinition, 'name' | 'parameters'> {
  return rollout >= 100 ? { name: 'default', parameters: {} } : { name: 'flexibleRollout', parameters: rolloutParameters(flagName, rollout, stickiness) };
}

function exclusions(overrides: readonly FlagOverrideSpec[]): ConstraintDefinition[] {
  return overrides
    .filter((o) => !o.enabled)
    .map((o) => ({ contextName: o.contextName, operator: 'NOT_IN', values: [...o.values], inverted: false, caseInsensitive: false }));
}

function overrideStrategies(flag: Flag, env: FlagEnvironmentSpec, excluded: ConstraintDefinition[]): StrategyDefinition[] {
  return env.overrides
    .filter((o) => o.enabled)
    .map((o) => {
      const variants = pinned(flag.spec, o.variant, 'default');
      const inList: ConstraintDefinition = { contextName: o.contextName, operator: 'IN', values: [...o.values], inverted: false, caseInsensitive: false };
      return {
        ...rolloutStrategy(flag.name, 100, 'default'),
        constraints: [inList, ...excluded],
        segments: [],
        ...(variants ? { variants } : {}),
      };
    });
}

function ruleStrategies(flag: Flag, env: FlagEnvironmentSpec, excluded: ConstraintDefinition[]): StrategyDefinition[] {
  return env.rules.map((rule) => {
    const variants = rule.variants.length > 0 ? variantDefinitions(flag.spec, rule.variants, rule.stickiness) : undefined;
    return {
      ...rolloutStrategy(flag.name, rule.rollout, rule.stickiness),
      constraints: [...rule.constraints.map((c) => ({ ...c })), ...excluded],
      segments: rule.segments.map(segmentId),
      ...(variants ? { variants } : {}),
    };
  });
}

function defaultStrategy(flag: Flag, env: FlagEnvironmentSpec, excluded: ConstraintDefinition[]): StrategyDefinition[] {
  if (env.default.rollout <= 0) return [];
  const variants = pinned(flag.spec, env.default.variant, env.default.stickiness);
  return [
    {
      ...rolloutStrategy(flag.name, env.default.rollout, env.default.stickiness),
      constraints: excluded,
      segments: [],
      ...(variants ? { variants } : {}),
    },
  ];
}

/** The flag as Unleash's client API sends it for `environment` (off when the flag does not list it). */
export function toFeatureDefinition(flag: Flag, environment: string): FeatureDefinition {
  const env = environmentOf(flag.spec, environment);
  const excluded = exclusions(env.overrides);
  const strategies = [...overrideStrategies(flag, env, excluded), ...ruleStrategies(flag, env, excluded), ...defaultStrategy(flag, env, excluded)];
  // No strategy at all would mean "on for everyone" to Unleash: an enabled flag that serves nobody gets a 0 % rollout.
  if (strategies.length === 0) strategies.push({ name: 'flexibleRollout', parameters: rolloutParameters(flag.name, 0, 'default'), constraints: [], segments: [] });
  const first = env.default.stickiness;
  return {
    name: flag.name,
    type: flag.spec.kind,
    description: flag.spec.description ?? null,
    project: 'default',
    enabled: env.enabled,
    stale: false,
    impressionData: false,
    strategies,
    variants: variantDefinitions(flag.spec, flag.spec.variants, first, env.variantWeights),
    dependencies: flag.spec.prerequisites.map((p) => ({ feature: p.flag, enabled: p.enabled, ...(p.variants.length > 0 ? { variants: [...p.variants] } : {}) })),
  };
}

/** Segments as Unleash clients get them: those whose conditions translate to flag constraints. */
export function toSegmentDefinitions(segments: readonly Segment[]): SegmentDefinition[] {
  const out: SegmentDefinition[] = [];
  for (const segment of segments) {
    const translated = segmentToConstraints(segment);
    if (translated.ok) out.push({ id: segmentId(segment.name), name: segment.name, constraints: translated.constraints });
  }
  return out;
}

/** Everything a client of `environment` evaluates against. */
export function flagStateFor(flags: readonly Flag[], segments: readonly Segment[], environment: string): FlagState {
  return { features: flags.map((f) => toFeatureDefinition(f, environment)), segments: toSegmentDefinitions(segments) };
}

/**
 * What a data plane needs to evaluate flag `name` in `environment` on its own: the flag, its
 * prerequisites (transitively) and the segments their rules use. Undefined when the flag does not exist.
 */
export function flagClosureState(flags: readonly Flag[], segments: readonly Segment[], name: string, environment: string): FlagState | undefined {
  const byName = new Map(flags.map((f) => [f.name, f] as const));
  if (!byName.has(name)) return undefined;
  const included: Flag[] = [];
  const segmentNames = new Set<string>();
  const pending = [name];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const next = pending.shift() as string;
    const flag = byName.get(next);
    if (seen.has(next) || flag === undefined) continue;
    seen.add(next);
    included.push(flag);
    for (const rule of environmentOf(flag.spec, environment).rules) rule.segments.forEach((s) => segmentNames.add(s));
    pending.push(...flag.spec.prerequisites.map((p) => p.flag));
  }
  return flagStateFor(included, segments.filter((s) => segmentNames.has(s.name)), environment);
}
