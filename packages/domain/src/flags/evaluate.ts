/**
 * The one flag evaluator shared by the server, the SDKs and the proxy. Unleash semantics
 * (isEnabled, getVariant, dependencies, segments, strategy variants), OpenFeature vocabulary for
 * the outcome (value, variant, reason, error code). It never throws: a missing flag is
 * FLAG_NOT_FOUND, a malformed definition PARSE_ERROR, anything unexpected GENERAL.
 */
import { allConstraintsHold } from './constraints.js';
import { DISABLED_VARIANT_NAME } from './model.js';
import type {
  ConstraintDefinition,
  EvaluateOptions,
  FeatureDefinition,
  FlagContext,
  FlagErrorCode,
  FlagEvaluation,
  FlagReason,
  FlagState,
  FlagValue,
  ResolvedVariant,
  StrategyDefinition,
} from './model.js';
import { strategyEnables } from './strategies.js';
import { FlagDefinitionError, checkConstraint, checkFeature } from './validate.js';
import { selectVariant, type VariantPick } from './variants.js';

/** What resolving a flag decided, before its payload is typed into a value. */
export interface Outcome {
  readonly enabled: boolean;
  readonly reason: FlagReason;
  readonly variant: ResolvedVariant;
}

const EMPTY: Readonly<Record<string, unknown>> = {};

export function disabledVariant(featureEnabled: boolean): ResolvedVariant {
  return { name: DISABLED_VARIANT_NAME, enabled: false, featureEnabled };
}

export function toResolved(pick: VariantPick): ResolvedVariant {
  const { name, payload } = pick.variant;
  return payload ? { name, enabled: true, payload: { type: payload.type, value: payload.value }, featureEnabled: true } : { name, enabled: true, featureEnabled: true };
}

export function findFeature(state: FlagState, name: string): unknown {
  const features: unknown = (state as { features?: unknown } | null | undefined)?.features;
  if (!Array.isArray(features)) throw new FlagDefinitionError('state.features must be an array');
  return features.find((f: unknown) => typeof f === 'object' && f !== null && (f as { name?: unknown }).name === name);
}

/** The constraints of each referenced segment, or undefined when one is missing (the strategy then fails). */
export function segmentConstraints(state: FlagState, ids: readonly number[]): ConstraintDefinition[][] | undefined {
  const segments: unknown = state.segments ?? [];
  if (!Array.isArray(segments)) throw new FlagDefinitionError('state.segments must be an array');
  const out: ConstraintDefinition[][] = [];
  for (const id of ids) {
    const segment: unknown = segments.find((s: unknown) => typeof s === 'object' && s !== null && (s as { id?: unknown }).id === id);
    if (segment === undefined) return undefined;
    const constraints: unknown = (segment as { constraints?: unknown }).constraints ?? [];
    if (!Array.isArray(constraints)) throw new FlagDefinitionError(`segment ${id}: constraints must be an array`);
    constraints.forEach((c, i) => checkConstraint(c, `segment ${id}.constraints[${i}]`));
    out.push(constraints as ConstraintDefinition[]);
  }
  return out;
}

interface StrategyMatch {
  readonly unconditional: boolean;
  readonly variant?: VariantPick;
}

function matchStrategy(
  strategy: StrategyDefinition,
  feature: FeatureDefinition,
  state: FlagState,
  context: FlagContext,
  options: EvaluateOptions,
): StrategyMatch | undefined {
  const segments = segmentConstraints(state, strategy.segments ?? []);
  if (!segments) return undefined;
  if (!allConstraintsHold(strategy.constraints, context, options)) return undefined;
  if (!segments.every((constraints) => allConstraintsHold(constraints, context, options))) return undefined;
  const parameters = strategy.parameters ?? EMPTY;
  if (!strategyEnables(strategy.name, { parameters, context, featureName: feature.name, options })) return undefined;
  const unconditional = strategy.name === 'default' && (strategy.constraints ?? []).length === 0 && segments.length === 0;
  const variants = strategy.variants ?? [];
  if (variants.length === 0) return { unconditional };
  const groupId = typeof parameters['groupId'] === 'string' && parameters['groupId'] ? parameters['groupId'] : feature.name;
  const stickiness = typeof parameters['stickiness'] === 'string' ? parameters['stickiness'] : undefined;
  const variant = selectVariant(variants, groupId, stickiness, context, options);
  return variant ? { unconditional, variant } : { unconditional };
}

/** Every parent satisfied: it exists, has no parents of its own, and is enabled (or disabled) and on an allowed variant. */
function parentsSatisfied(feature: FeatureDefinition, state: FlagState, context: FlagContext, options: EvaluateOptions): boolean {
  return (feature.dependencies ?? []).every((dependency) => {
    const parent = findFeature(state, dependency.feature);
    if (parent === undefined) return false;
    checkFeature(parent);
    if ((parent.dependencies ?? []).length > 0) return false; // transitive dependencies (and cycles) are not allowed
    const outcome = resolveFeature(parent, state, context, options);
    if (dependency.enabled === false) return !outcome.enabled;
    if (!outcome.enabled) return false;
    const allowed = dependency.variants ?? [];
    return allowed.length === 0 || allowed.includes(outcome.variant.name);
  });
}

/** The flag-level variant of an enabled flag whose matching strategy gave none. */
function featureVariant(feature: FeatureDefinition, context: FlagContext, options: EvaluateOptions): VariantPick | undefined {
  const variants = feature.variants ?? [];
  if (variants.length === 0) return undefined;
  return selectVariant(variants, feature.name, variants[0]?.stickiness, context, options);
}

function resolveFeature(feature: FeatureDefinition, state: FlagState, context: FlagContext, options: EvaluateOptions): Outcome {
  if (!parentsSatisfied(feature, state, context, options)) return { enabled: false, reason: 'DEFAULT', variant: disabledVariant(false) };
  if (!feature.enabled) return { enabled: false, reason: 'DISABLED', variant: disabledVariant(false) };
  const strategies = feature.strategies ?? [];
  let match: StrategyMatch | undefined = strategies.length === 0 ? { unconditional: true } : undefined;
  for (const strategy of strategies) {
    match = matchStrategy(strategy, feature, state, context, options);
    if (match) break;
  }
  if (!match) return { enabled: false, reason: 'DEFAULT', variant: disabledVariant(false) };
  const pick = match.variant ?? featureVariant(feature, context, options);
  const reason: FlagReason = pick?.split ? 'SPLIT' : match.unconditional ? 'STATIC' : 'TARGETING_MATCH';
  return { enabled: true, reason, variant: pick ? toResolved(pick) : disabledVariant(true) };
}

export function errorResult(errorCode: FlagErrorCode, errorMessage: string): FlagEvaluation {
  return { enabled: false, variant: disabledVariant(false), reason: 'ERROR', errorCode, errorMessage };
}

/** The outcome with its typed value: the variant's payload (string, number, parsed JSON), else `enabled`. */
export function withValue(outcome: Outcome): FlagEvaluation {
  const payload = outcome.variant.payload;
  const base = { enabled: outcome.enabled, variant: outcome.variant };
  if (!payload) return { ...base, value: outcome.enabled, reason: outcome.reason };
  if (payload.type === 'number') {
    const n = Number(payload.value);
    if (payload.value.trim() === '' || !Number.isFinite(n)) {
      return { ...base, reason: 'ERROR', errorCode: 'PARSE_ERROR', errorMessage: `variant ${outcome.variant.name}: payload is not a number` };
    }
    return { ...base, value: n, reason: outcome.reason };
  }
  if (payload.type === 'json') {
    try {
      return { ...base, value: JSON.parse(payload.value) as FlagValue, reason: outcome.reason };
    } catch {
      return { ...base, reason: 'ERROR', errorCode: 'PARSE_ERROR', errorMessage: `variant ${outcome.variant.name}: payload is not JSON` };
    }
  }
  return { ...base, value: payload.value, reason: outcome.reason };
}

/**
 * Evaluates flag `name` against `state` for `context`. Never throws.
 * `options` injects what the domain cannot produce itself: the time, randomness, the hostname.
 */
export function evaluateFlag(state: FlagState, name: string, context: FlagContext = {}, options: EvaluateOptions = {}): FlagEvaluation {
  try {
    const feature = findFeature(state, name);
    if (feature === undefined) return errorResult('FLAG_NOT_FOUND', `flag ${JSON.stringify(name)} not found`);
    checkFeature(feature);
    return withValue(resolveFeature(feature, state, context ?? {}, options ?? {}));
  } catch (error) {
    if (error instanceof FlagDefinitionError) return errorResult('PARSE_ERROR', error.message);
    return errorResult('GENERAL', error instanceof Error ? error.message : String(error));
  }
}

/** Unleash's `isEnabled`: false for a missing or malformed flag unless `fallback` says otherwise. */
export function isEnabled(state: FlagState, name: string, context: FlagContext = {}, options: EvaluateOptions = {}, fallback = false): boolean {
  const result = evaluateFlag(state, name, context, options);
  // A flag that could not be evaluated (missing, malformed) gets the fallback; one whose payload
  // alone is malformed was still evaluated, so its `enabled` stands.
  return result.reason === 'ERROR' && !result.enabled ? fallback : result.enabled;
}

/** Unleash's `getVariant`: the variant, or `{ name: 'disabled', enabled: false }` for a disabled, missing or malformed flag. */
export function getVariant(state: FlagState, name: string, context: FlagContext = {}, options: EvaluateOptions = {}): ResolvedVariant {
  return evaluateFlag(state, name, context, options).variant;
}
