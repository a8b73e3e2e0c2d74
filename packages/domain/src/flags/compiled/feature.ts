/**
 * One feature compiled: its strategies (segments resolved, constraints and rule compiled), its
 * variants, and its parents by index. Resolving it walks exactly the path `evaluateFlag` walks
 * (parents, enabled, first matching strategy, variant), with the same calls to `random`, and
 * returns results built at compile time. A definition error that `evaluateFlag` only meets on
 * some paths (a malformed segment, a malformed parent) is thrown, prebuilt, on the same paths.
 */
import { disabledVariant, errorResult, segmentConstraints, withValue } from '../evaluate.js';
import type { EvaluateOptions, FeatureDefinition, FlagEvaluation, FlagContext, FlagState, StrategyDefinition } from '../model.js';
import { FlagDefinitionError } from '../validate.js';
import { compileAll, compileConstraint, type ContextTest } from './constraints.js';
import { compileRule } from './rules.js';
import { CompiledVariants, NO_VARIANT, deepFreeze } from './variants.js';

/** A prebuilt error result, thrown where `evaluateFlag` would have thrown the error it stands for. */
export class DefinitionFailure {
  constructor(readonly result: FlagEvaluation) {}
}

/** The failure `evaluateFlag` turns a thrown error into: PARSE_ERROR for a definition error, else GENERAL. */
export function failureOf(error: unknown): DefinitionFailure {
  if (error instanceof FlagDefinitionError) return new DefinitionFailure(deepFreeze(errorResult('PARSE_ERROR', error.message)));
  return new DefinitionFailure(deepFreeze(errorResult('GENERAL', error instanceof Error ? error.message : String(error))));
}

const outcome = (enabled: boolean, reason: FlagEvaluation['reason'], featureEnabled: boolean): FlagEvaluation =>
  deepFreeze(withValue({ enabled, reason, variant: disabledVariant(featureEnabled) }));
const NOT_MATCHED = outcome(false, 'DEFAULT', false);
const DISABLED = outcome(false, 'DISABLED', false);
const ENABLED_STATIC = outcome(true, 'STATIC', true);
const ENABLED_TARGETING = outcome(true, 'TARGETING_MATCH', true);

const NO_MATCH = -2;
const MATCH = -1;

class CompiledStrategy {
  readonly unconditional: boolean;
  readonly variants: CompiledVariants | undefined;
  private readonly failure: DefinitionFailure | undefined;
  private readonly test: ContextTest;
  private readonly rule: ContextTest;

  constructor(strategy: StrategyDefinition, feature: FeatureDefinition, state: FlagState, options: EvaluateOptions) {
    let segments: ReturnType<typeof segmentConstraints> = [];
    try {
      segments = segmentConstraints(state, strategy.segments ?? []);
    } catch (error) {
      this.failure = failureOf(error);
    }
    const own = (strategy.constraints ?? []).map((c) => compileConstraint(c, options));
    const shared = (segments ?? []).flat().map((c) => compileConstraint(c, options));
    this.test = segments === undefined ? () => false : compileAll([...own, ...shared]);
    this.rule = compileRule(strategy, feature.name, options);
    this.unconditional = strategy.name === 'default' && (strategy.constraints ?? []).length === 0 && segments?.length === 0;
    const variants = strategy.variants ?? [];
    const parameters = strategy.parameters ?? {};
    const groupId = typeof parameters['groupId'] === 'string' && parameters['groupId'] ? parameters['groupId'] : feature.name;
    const stickiness = typeof parameters['stickiness'] === 'string' ? parameters['stickiness'] : undefined;
    this.variants = variants.length === 0 ? undefined : new CompiledVariants(variants, groupId, stickiness || 'default', options);
  }

  /** NO_MATCH, MATCH (no strategy variant), or the strategy variant picked. */
  match(context: FlagContext): number {
    if (this.failure !== undefined) throw this.failure;
    if (!this.test(context) || !this.rule(context)) return NO_MATCH;
    if (this.variants === undefined) return MATCH;
    return this.variants.select(context);
  }
}

/** A dependency on a parent, resolved to the parent's compiled form (or undefined when it is missing). */
export interface CompiledDependency {
  parent: CompiledFeature | DefinitionFailure | undefined;
  readonly enabled: boolean;
  readonly variants: ReadonlySet<string>;
}

export class CompiledFeature {
  readonly dependencies: CompiledDependency[] = [];
  readonly hasDependencies: boolean;
  private readonly enabled: boolean;
  private readonly strategies: readonly CompiledStrategy[];
  private readonly variants: CompiledVariants | undefined;

  constructor(feature: FeatureDefinition, state: FlagState, options: EvaluateOptions) {
    this.enabled = feature.enabled;
    this.hasDependencies = (feature.dependencies ?? []).length > 0;
    this.strategies = (feature.strategies ?? []).map((s) => new CompiledStrategy(s, feature, state, options));
    const variants = feature.variants ?? [];
    this.variants = variants.length === 0 ? undefined : new CompiledVariants(variants, feature.name, variants[0]?.stickiness || 'default', options);
  }

  /** `parentsSatisfied`: a parent must exist, be well-formed, have no parents itself, and be on (or off) as asked. */
  private parentsSatisfied(context: FlagContext): boolean {
    const dependencies = this.dependencies;
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as CompiledDependency;
      const parent = dependency.parent;
      if (parent === undefined) return false;
      if (parent instanceof DefinitionFailure) throw parent;
      if (parent.hasDependencies) return false; // transitive dependencies (and cycles) are not allowed
      const result = parent.resolve(context);
      if (!dependency.enabled) {
        if (result.enabled) return false;
        continue;
      }
      if (!result.enabled) return false;
      if (dependency.variants.size > 0 && !dependency.variants.has(result.variant.name)) return false;
    }
    return true;
  }

  /** The flag's result for the context (may throw a DefinitionFailure). */
  resolve(context: FlagContext): FlagEvaluation {
    if (this.dependencies.length > 0 && !this.parentsSatisfied(context)) return NOT_MATCHED;
    if (!this.enabled) return DISABLED;
    const strategies = this.strategies;
    if (strategies.length === 0) return this.enabledResult(context, true);
    for (let i = 0; i < strategies.length; i++) {
      const strategy = strategies[i] as CompiledStrategy;
      const pick = strategy.match(context);
      if (pick === NO_MATCH) continue;
      if (pick >= 0) return (strategy.variants as CompiledVariants).result(pick, strategy.unconditional);
      return this.enabledResult(context, strategy.unconditional);
    }
    return NOT_MATCHED;
  }

  /** An enabled flag without a strategy variant: the flag's own variants, if any. */
  private enabledResult(context: FlagContext, unconditional: boolean): FlagEvaluation {
    if (this.variants !== undefined) {
      const pick = this.variants.select(context);
      if (pick !== NO_VARIANT) return this.variants.result(pick, unconditional);
    }
    return unconditional ? ENABLED_STATIC : ENABLED_TARGETING;
  }
}
