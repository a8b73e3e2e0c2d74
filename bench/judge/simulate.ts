// Seeded synthetic canaries for `npm run bench:judge`: every second the canary serves `rps` requests
// and the baseline (the stable version, the canary being at 10 % weight) serves BASELINE_FACTOR times as
// many; errors and slow requests are drawn from binomials; the judges see the cumulative counts, as
// the analysis loop will, and the first failing second is the detection time.
import { judgeErrorRate, judgeLatencyExceedance, mulberry32, normalCdf } from '@sluice/domain';

export { mulberry32 };


/** A Binomial(n, p) draw by geometric skipping: about n·p + 1 uniforms instead of n. */
export function binomial(random: () => number, n: number, p: number): number {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return n;
  const logQ = Math.log1p(-p);
  let count = 0;
  let position = 0;
  for (;;) {
    position += Math.floor(Math.log(1 - random()) / logQ) + 1;
    if (position > n) return count;
    count++;
  }
}

/** Standard normal upper tail, from the judges' own Φ. */
export function normalUpperTail(z: number): number {
  return normalCdf(-z);
}

/** Latency is lognormal with this σ; the reference for the tail test is the baseline's p99. */
export const LOG_SIGMA = 0.5;
const Z99 = 2.3263478740408408;

/** P(canary latency > baseline p99) when every canary latency is the baseline's scaled by `factor`. */
export function exceedanceAfterScaling(factor: number): number {
  return normalUpperTail(Z99 - Math.log(factor) / LOG_SIGMA);
}

export interface Scenario {
  readonly name: string;
  /** Canary error probability (the baseline's is BASE_ERROR_RATE). */
  readonly canaryErrorRate: number;
  /** P(canary request slower than the baseline's p99) (the baseline's is 0.01). */
  readonly canaryExceedance: number;
}

export const BASE_ERROR_RATE = 0.01;
/** Baseline requests per canary request: the stable version's share when the canary is at 10 %. */
export const BASELINE_FACTOR = 9;

export const SCENARIOS: readonly Scenario[] = [
  { name: 'healthy', canaryErrorRate: BASE_ERROR_RATE, canaryExceedance: 0.01 },
  { name: 'errors x10', canaryErrorRate: BASE_ERROR_RATE * 10, canaryExceedance: 0.01 },
  { name: 'errors +1pp', canaryErrorRate: BASE_ERROR_RATE + 0.01, canaryExceedance: 0.01 },
  { name: 'p99 +20%', canaryErrorRate: BASE_ERROR_RATE, canaryExceedance: exceedanceAfterScaling(1.2) },
];

/** The second (1-based) at which a judge first failed the canary, and which rule; undefined when none did. */
export interface RunResult {
  readonly detectedAt: number | undefined;
  readonly rule: string | undefined;
}

/** One canary run of `seconds` at `rps` canary requests per second (and BASELINE_FACTOR × rps on the baseline). */
export function runCanary(scenario: Scenario, rps: number, seconds: number, seed: number, baselineFactor = BASELINE_FACTOR): RunResult {
  const baselineRps = Math.round(rps * baselineFactor);
  const random = mulberry32(seed);
  const errors = { canary: { total: 0, errors: 0 }, baseline: { total: 0, errors: 0 } };
  const tail = { canary: { total: 0, above: 0 }, baseline: { total: 0, above: 0 }, quantile: 0.99 };
  for (let second = 1; second <= seconds; second++) {
    errors.canary.total += rps;
    errors.baseline.total += baselineRps;
    errors.canary.errors += binomial(random, rps, scenario.canaryErrorRate);
    errors.baseline.errors += binomial(random, baselineRps, BASE_ERROR_RATE);
    tail.canary.total += rps;
    tail.baseline.total += baselineRps;
    tail.canary.above += binomial(random, rps, scenario.canaryExceedance);
    tail.baseline.above += binomial(random, baselineRps, 0.01);
    const errorVerdict = judgeErrorRate(errors);
    if (errorVerdict.outcome === 'fail') return { detectedAt: second, rule: errorVerdict.rule };
    const latencyVerdict = judgeLatencyExceedance(tail);
    if (latencyVerdict.outcome === 'fail') return { detectedAt: second, rule: latencyVerdict.rule };
  }
  return { detectedAt: undefined, rule: undefined };
}
