import type { Verdict } from './verdict.js';

/**
 * A gate folds a metric's measurements over time into one status, with Argo Rollouts' settings and
 * names (research §1d), and three deliberate differences:
 * - a provider that cannot be queried is an *error*; too many in a row **halt** the analysis (the
 *   rollout waits for a person) instead of failing it — an outage of Prometheus is not a bad canary;
 * - a measurement with no data halts the same way, never fails;
 * - a verdict from the judges' fast path (a severe regression) fails at once, whatever failureLimit says;
 * - a sequential judge's "not enough samples yet" (rule `min-sample`) is *pending*, not inconclusive: the
 *   evidence is cumulative, so an early check without enough traffic only means "not yet". It counts as
 *   a measurement; a gate that reaches `count` (or its step's end) without ever judging is inconclusive.
 */
export interface GateSettings {
  /** Measurements to take; 0 means until the step ends. */
  readonly count: number;
  /** The gate fails when failed measurements exceed this; -1 never fails on count. Argo's default 0. */
  readonly failureLimit: number;
  /** The gate is inconclusive (a person decides) when inconclusive measurements exceed this. Default 0. */
  readonly inconclusiveLimit: number;
  /** The gate halts when errors or no-data results in a row exceed this. Argo's default 4. */
  readonly consecutiveErrorLimit: number;
  /** The gate passes early after this many passes in a row; 0 turns it off. */
  readonly consecutiveSuccessLimit: number;
}

export const DEFAULT_GATE: GateSettings = Object.freeze({ count: 0, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 });

/** One measurement of a metric: a judge's verdict, a provider error, or no data. */
export type MeasurementResult =
  | { readonly kind: 'verdict'; readonly verdict: Verdict }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'no-data'; readonly message: string };

/** running: keep measuring; passed/failed: decided; inconclusive and halted: a person decides. */
export type GateStatus = 'running' | 'passed' | 'failed' | 'inconclusive' | 'halted';

export interface GateState {
  readonly status: GateStatus;
  /** Why the gate is where it is (the rule that fired, with the counts). */
  readonly reason: string;
  readonly measurements: number;
  readonly passes: number;
  readonly failures: number;
  readonly inconclusives: number;
  /** Measurements that were too small to judge yet (rule min-sample). */
  readonly pending?: number;
  readonly errors: number;
  readonly consecutiveErrors: number;
  readonly consecutivePasses: number;
}

export const INITIAL_GATE: GateState = Object.freeze({
  status: 'running', reason: 'no measurement yet', measurements: 0, passes: 0, failures: 0, inconclusives: 0, errors: 0, consecutiveErrors: 0, consecutivePasses: 0,
});

/** The gate after one more measurement. A decided gate does not change. */
export function foldGate(state: GateState, result: MeasurementResult, settings: GateSettings = DEFAULT_GATE): GateState {
  if (state.status !== 'running') return state;
  const counted = count(state, result);
  return { ...counted, ...decide(counted, result, settings) };
}

function count(state: GateState, result: MeasurementResult): GateState {
  const measurements = state.measurements + 1;
  if (result.kind !== 'verdict') {
    return { ...state, measurements, errors: state.errors + 1, consecutiveErrors: state.consecutiveErrors + 1, consecutivePasses: 0 };
  }
  const outcome = result.verdict.outcome;
  if (isPending(result.verdict)) return { ...state, measurements, consecutiveErrors: 0, consecutivePasses: 0, pending: (state.pending ?? 0) + 1 };
  return {
    ...state,
    measurements,
    consecutiveErrors: 0,
    passes: state.passes + (outcome === 'pass' ? 1 : 0),
    failures: state.failures + (outcome === 'fail' ? 1 : 0),
    inconclusives: state.inconclusives + (outcome === 'inconclusive' ? 1 : 0),
    consecutivePasses: outcome === 'pass' ? state.consecutivePasses + 1 : 0,
  };
}

function decide(state: GateState, result: MeasurementResult, settings: GateSettings): Pick<GateState, 'status' | 'reason'> {
  if (result.kind !== 'verdict') {
    if (state.consecutiveErrors > settings.consecutiveErrorLimit) {
      const what = result.kind === 'error' ? `provider errors in a row (last: ${result.message})` : `measurements in a row without data (last: ${result.message})`;
      return { status: 'halted', reason: `${state.consecutiveErrors} ${what} exceed consecutiveErrorLimit ${settings.consecutiveErrorLimit}` };
    }
    return { status: 'running', reason: `${result.kind === 'error' ? 'provider error' : 'no data'}: ${result.message}` };
  }
  const verdict = result.verdict;
  if (isPending(verdict)) {
    if (settings.count > 0 && state.measurements >= settings.count) {
      const judged = state.passes + state.failures + state.inconclusives;
      if (judged === 0) return { status: 'inconclusive', reason: `${state.measurements} of ${settings.count} measurements taken, none with enough samples to judge; last: ${verdict.reason}` };
    } else return { status: 'running', reason: verdict.reason };
  }
  if (verdict.outcome === 'fail' && verdict.rule === 'fast-path') return { status: 'failed', reason: `severe regression: ${verdict.reason}` };
  if (settings.failureLimit >= 0 && state.failures > settings.failureLimit) {
    return { status: 'failed', reason: `${state.failures} failed measurements exceed failureLimit ${settings.failureLimit}; last: ${verdict.reason}` };
  }
  if (state.inconclusives > settings.inconclusiveLimit) {
    return { status: 'inconclusive', reason: `${state.inconclusives} inconclusive measurements exceed inconclusiveLimit ${settings.inconclusiveLimit}; last: ${verdict.reason}` };
  }
  if (settings.consecutiveSuccessLimit > 0 && state.consecutivePasses >= settings.consecutiveSuccessLimit) {
    return { status: 'passed', reason: `${state.consecutivePasses} passes in a row reach consecutiveSuccessLimit ${settings.consecutiveSuccessLimit}` };
  }
  if (settings.count > 0 && state.measurements >= settings.count) {
    return { status: 'passed', reason: `${state.measurements} of ${settings.count} measurements taken: ${state.failures} failed (limit ${settings.failureLimit}), ${state.inconclusives} inconclusive (limit ${settings.inconclusiveLimit})` };
  }
  return { status: 'running', reason: verdict.reason };
}

/** "Not enough samples yet" from a sequential judge: wait for more, do not count it as inconclusive. */
function isPending(verdict: Verdict): boolean {
  return verdict.outcome === 'inconclusive' && verdict.rule === 'min-sample';
}

/** The status when the step's time is up with the gate still running: passed, unless nothing was ever measured. */
export function closeGate(state: GateState): GateState {
  if (state.status !== 'running') return state;
  if (state.passes + state.failures + state.inconclusives === 0) {
    const why = (state.pending ?? 0) > 0 ? `never enough samples to judge (${state.pending} measurements too small)` : 'without a single judged measurement';
    return { ...state, status: (state.pending ?? 0) > 0 ? 'inconclusive' : 'halted', reason: `the step ended ${why}` };
  }
  return { ...state, status: 'passed', reason: `the step ended: ${state.passes} passed, ${state.failures} failed (within limit), ${state.inconclusives} inconclusive (within limit)` };
}
