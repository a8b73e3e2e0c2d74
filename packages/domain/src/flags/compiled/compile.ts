/**
 * The precompiled evaluator: `compileFlags(state)` validates and compiles every feature once
 * (name lookup by Map, parents by reference, constraints and strategies as closures, results
 * prebuilt), so evaluating allocates nothing on the common paths. Results are the same as
 * `evaluateFlag(state, name, context, options)` for every input; they are shared and frozen.
 * Compile again when the state changes (it is a snapshot).
 */
import { errorResult, findFeature } from '../evaluate.js';
import type { EvaluateOptions, FeatureDefinition, FlagContext, FlagEvaluation, FlagState, ResolvedVariant } from '../model.js';
import { checkFeature } from '../validate.js';
import { CompiledFeature, DefinitionFailure, failureOf } from './feature.js';

export interface CompiledFlags {
  /** Like `evaluateFlag`: never throws; the result is shared and frozen. */
  evaluate(name: string, context?: FlagContext): FlagEvaluation;
  /** Like `isEnabled`: `fallback` for a missing or malformed flag. */
  isEnabled(name: string, context?: FlagContext, fallback?: boolean): boolean;
  /** Like `getVariant`. */
  variant(name: string, context?: FlagContext): ResolvedVariant;
  /** The names of the flags in the state, in order (each once). */
  names(): string[];
}

const EMPTY_CONTEXT: FlagContext = Object.freeze({});

type Entry = CompiledFeature | DefinitionFailure;

function compileOne(feature: object, state: FlagState, options: EvaluateOptions): Entry {
  try {
    checkFeature(feature);
    return new CompiledFeature(feature, state, options);
  } catch (error) {
    return failureOf(error);
  }
}

class Compiled implements CompiledFlags {
  private readonly byName = new Map<unknown, Entry>();
  private readonly failure: DefinitionFailure | undefined;

  constructor(state: FlagState, options: EvaluateOptions) {
    let features: readonly unknown[] = [];
    try {
      findFeature(state, ''); // throws exactly as evaluateFlag does when state.features is not an array
      features = state.features;
    } catch (error) {
      this.failure = failureOf(error);
    }
    const compiled: [FeatureDefinition, CompiledFeature][] = [];
    for (const feature of features) {
      if (typeof feature !== 'object' || feature === null) continue;
      const name = (feature as { name?: unknown }).name;
      if (this.byName.has(name) || (typeof name === 'number' && Number.isNaN(name))) continue; // the first one wins, as in find()
      const entry = compileOne(feature, state, options);
      this.byName.set(name, entry);
      if (entry instanceof CompiledFeature) compiled.push([feature as FeatureDefinition, entry]);
    }
    for (const [definition, entry] of compiled) {
      for (const dependency of definition.dependencies ?? []) {
        entry.dependencies.push({
          parent: this.byName.get(dependency.feature),
          enabled: dependency.enabled !== false,
          variants: new Set(dependency.variants ?? []),
        });
      }
    }
  }

  evaluate(name: string, context: FlagContext = EMPTY_CONTEXT): FlagEvaluation {
    if (this.failure !== undefined) return this.failure.result;
    const entry = this.byName.get(name);
    if (entry === undefined) return errorResult('FLAG_NOT_FOUND', `flag ${JSON.stringify(name)} not found`);
    if (entry instanceof DefinitionFailure) return entry.result;
    try {
      return entry.resolve(context ?? EMPTY_CONTEXT);
    } catch (error) {
      if (error instanceof DefinitionFailure) return error.result;
      return errorResult('GENERAL', error instanceof Error ? error.message : String(error));
    }
  }

  isEnabled(name: string, context: FlagContext = EMPTY_CONTEXT, fallback = false): boolean {
    const result = this.evaluate(name, context);
    return result.reason === 'ERROR' && !result.enabled ? fallback : result.enabled;
  }

  variant(name: string, context: FlagContext = EMPTY_CONTEXT): ResolvedVariant {
    return this.evaluate(name, context).variant;
  }

  names(): string[] {
    const out: string[] = [];
    for (const name of this.byName.keys()) if (typeof name === 'string') out.push(name);
    return out;
  }
}

/** Compiles the whole state once; see `CompiledFlags`. `options` are the effects every evaluation uses. */
export function compileFlags(state: FlagState, options: EvaluateOptions = {}): CompiledFlags {
  return new Compiled(state, options ?? {});
}
