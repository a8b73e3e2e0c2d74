/**
 * What a judge says about one measurement: pass, fail or inconclusive, with the rule that decided and
 * the evidence, so the decision log can show why. Judges are pure: measurements in, verdict out.
 */
export type Outcome = 'pass' | 'fail' | 'inconclusive';

/** One side of a comparison as the judge saw it. */
export interface SideSummary {
  /** Requests (or samples) counted. */
  readonly n: number;
  /** Errors among them, for error-rate judges. */
  readonly errors?: number;
  /** The side's value of the judged statistic (an error rate, a quantile, a mean). */
  readonly value?: number;
}

export interface Verdict {
  readonly outcome: Outcome;
  /**
   * Stable name of the rule that decided, e.g. "min-sample", "fast-path", "sequential-error-rate",
   * "sequential-latency-exceedance", "mann-whitney", "threshold", "baseline".
   */
  readonly rule: string;
  /** One sentence for people: what was compared, what was found, against what limit. */
  readonly reason: string;
  readonly canary?: SideSummary;
  readonly baseline?: SideSummary;
  /** The test statistic (z, U, likelihood ratio…), when the rule has one. */
  readonly statistic?: number;
  /** A p-value (always-valid for sequential rules), when the rule has one. */
  readonly pValue?: number;
  /** A confidence interval on the compared difference or shift, when the rule has one. */
  readonly interval?: readonly [number, number];
  /** The limit the rule compared against (a tolerance, a ratio, α). */
  readonly threshold?: number;
}
