/**
 * The evaluator the client runs against its current state: the domain's precompiled
 * `compileFlags`, built once per state change (evaluation then allocates nothing on the common
 * paths). `options` must be live: the compiled closures read `options.now` and
 * `options.random` on every call, so the client passes an object whose `now` is a getter.
 */
import { compileFlags, type EvaluateOptions, type FlagContext, type FlagEvaluation, type FlagState } from '@sluice/domain';

export interface Evaluator {
  evaluate(name: string, context: FlagContext): FlagEvaluation;
}

export function createEvaluator(state: FlagState, options: EvaluateOptions): Evaluator {
  return compileFlags(state, options);
}

/** Evaluation options whose `now` reads the clock at each evaluation. */
export function liveOptions(now: () => number, random: () => number): EvaluateOptions {
  return {
    get now() {
      return now();
    },
    random,
  };
}
