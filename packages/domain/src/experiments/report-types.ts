import type { ExperimentMetricKind, VariantServes } from './experiment-spec.js';
import type { SampleRatioMismatch } from './srm.js';

/**
 * The experiment report: plain JSON-ready data (null, never NaN, where a value does not exist yet), for
 * the API, `sluice experiment report NAME` and the UI alike.
 */

/** winner: promote `winner`; no difference: the treatments change the primary metric by less than the MDE. */
export type ExperimentResult = 'winner' | 'no difference' | 'inconclusive';

export type ExperimentReasonCode =
  | 'winner' | 'control-wins' | 'no-difference'
  | 'srm' | 'too-few-samples' | 'guardrail-breached' | 'conflicting' | 'not-significant' | 'no-minimum-detectable-effect'
  | 'metric-unavailable';

export interface ExperimentReason {
  readonly code: ExperimentReasonCode;
  /** One sentence with the evidence (values, intervals, p-values). */
  readonly message: string;
}

/**
 * A treatment's standing on a metric. Primary: better / worse (significant after Holm), equivalent
 * (interval of the lift inside ±MDE), unclear. Guardrail: breached / ok. The control's rows have none.
 */
export type ExperimentRowVerdict = 'better' | 'worse' | 'equivalent' | 'unclear' | 'breached' | 'ok';

/** One variant on one metric. Differences and lifts are against the control. */
export interface ExperimentRow {
  readonly variant: string;
  readonly metric: string;
  readonly role: 'primary' | 'guardrail';
  readonly kind: ExperimentMetricKind;
  readonly isControl: boolean;
  /** Users (conversion) or values (mean) counted. */
  readonly n: number;
  /** Conversion rate or mean. */
  readonly value: number | null;
  readonly diff: number | null;
  readonly relativeLift: number | null;
  /** Interval for diff at 1 − alpha of the metric. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Interval for the relative lift (delta method). */
  readonly relativeCiLow: number | null;
  readonly relativeCiHigh: number | null;
  /** z or t. */
  readonly statistic: number | null;
  /** Welch–Satterthwaite degrees of freedom (mean metrics). */
  readonly df: number | null;
  readonly pValue: number | null;
  /** Holm-adjusted across the treatments on the primary metric; the raw p-value on guardrails. */
  readonly adjustedPValue: number | null;
  /** adjustedPValue < alpha. */
  readonly significant: boolean;
  readonly verdict: ExperimentRowVerdict | null;
}

export interface ExperimentVariantSummary {
  readonly name: string;
  readonly isControl: boolean;
  readonly weight: number;
  readonly serves: VariantServes;
  readonly exposures: number;
  /** What the weights predict at the observed total. */
  readonly expectedExposures: number;
  /** The primary metric's users or values. */
  readonly samples: number;
  /** null until it can be computed (no control data yet). */
  readonly requiredSamples: number | null;
  readonly moreSamplesNeeded: number | null;
}

/** How the required samples per variant were set. */
export interface ExperimentSampleSizePlan {
  /** max(floor, fromPower); null while fromPower cannot be computed. */
  readonly perVariant: number | null;
  /** From the power calculation; null without an MDE or before the control has data. */
  readonly fromPower: number | null;
  readonly floor: number;
  /** The level the power calculation used: alpha / number of treatments (Holm's first step). */
  readonly alpha: number;
  readonly power: number;
  readonly minimumDetectableEffect: number | null;
  /** Why fromPower is null, when it is. */
  readonly note: string | null;
}

export interface ExperimentReport {
  readonly experiment: string;
  readonly control: string;
  readonly primaryMetric: string;
  readonly variants: readonly ExperimentVariantSummary[];
  readonly rows: readonly ExperimentRow[];
  readonly srm: Omit<SampleRatioMismatch, 'expected'>;
  readonly sampleSize: ExperimentSampleSizePlan;
  /** 'holm' with two or more treatments (primary metric only). */
  readonly correction: 'holm' | 'none';
  readonly result: ExperimentResult;
  /** The variant to promote when result is winner (the control when every treatment lost). */
  readonly winner: string | null;
  readonly reasons: readonly ExperimentReason[];
}
