import { binomialUpperTail } from './sequential.js';
import type { Verdict } from './verdict.js';

/**
 * The burst judge: a change-point companion to the sequential test, for the guardian. The sequential
 * test counts from the first exposed request, so a canary that turns bad after a healthy while is seen
 * diluted by its own good past. The burst judge looks only at the last few seconds of the canary
 * (several window lengths at once) against the stable version's rate over a longer recent window, and
 * fails when a window holds far more errors than that rate allows — exact binomial tail, with the
 * p-value threshold split across the windows. Errors only, by design: it never passes on little data,
 * it just does not fail.
 */
export interface BurstWindow {
  /** Length of the window ending now, in seconds. */
  readonly seconds: number;
  readonly total: number;
  readonly errors: number;
}

export interface BurstInput {
  /** The canary's counts over windows ending now (e.g. the last 2, 4 and 8 s). */
  readonly windows: readonly BurstWindow[];
  /** The stable version's counts over the baseline window (e.g. the last 60 s). */
  readonly baseline: { readonly total: number; readonly errors: number };
}

export interface BurstOptions {
  /** Fewer canary errors than this in a window never fail it. */
  readonly minErrors: number;
  /** The canary's rate in the window must be at least this multiple of the baseline's. */
  readonly minRatio: number;
  /** Family-wise false-alarm bound per check, split evenly across the windows. */
  readonly pValue: number;
  /** The baseline rate is taken as at least this (a stable version with no errors is not "0 %"). */
  readonly errorFloor: number;
  /** Baseline requests needed before judging. */
  readonly minBaseline: number;
}

export const DEFAULT_BURST_OPTIONS: BurstOptions = Object.freeze({ minErrors: 5, minRatio: 3, pValue: 1e-6, errorFloor: 0.001, minBaseline: 200 });

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

export function judgeErrorBurst(input: BurstInput, options: Partial<BurstOptions> = {}): Verdict {
  const o = { ...DEFAULT_BURST_OPTIONS, ...options };
  const { baseline } = input;
  const baselineRate = Math.max((baseline.errors + 1) / (baseline.total + 2), o.errorFloor);
  const baselineSide = { n: baseline.total, errors: baseline.errors, value: baseline.total > 0 ? baseline.errors / baseline.total : 0 };
  if (baseline.total < o.minBaseline) {
    return { outcome: 'inconclusive', rule: 'min-sample', reason: `Too little stable traffic to judge a burst: ${baseline.total} requests, need ${o.minBaseline}.`, baseline: baselineSide, threshold: o.minBaseline };
  }
  const perWindow = o.pValue / Math.max(1, input.windows.length);
  let worst: { w: BurstWindow; p: number } | undefined;
  for (const w of input.windows) {
    if (w.total <= 0) continue;
    const p = binomialUpperTail(w.errors, w.total, baselineRate);
    if (worst === undefined || p < worst.p) worst = { w, p };
    const severe = w.errors >= o.minErrors && w.errors / w.total >= o.minRatio * baselineRate && p < perWindow;
    if (severe) {
      return {
        outcome: 'fail',
        rule: 'error-burst',
        reason: `Canary error burst: ${w.errors} errors in ${w.total} requests over the last ${w.seconds}s (${pct(w.errors / w.total)}) against stable's ${pct(baselineRate)}; exact binomial p = ${p.toExponential(1)} < ${perWindow.toExponential(1)}.`,
        canary: { n: w.total, errors: w.errors, value: w.errors / w.total },
        baseline: baselineSide,
        pValue: p,
        threshold: perWindow,
      };
    }
  }
  const seen = worst === undefined ? 'no canary requests in the windows' : `worst window ${worst.w.seconds}s: ${worst.w.errors}/${worst.w.total}, p = ${worst.p.toExponential(1)}`;
  return { outcome: 'pass', rule: 'error-burst', reason: `No error burst (${seen}; stable ${pct(baselineRate)}).`, baseline: baselineSide, ...(worst === undefined ? {} : { pValue: worst.p }), threshold: perWindow };
}
