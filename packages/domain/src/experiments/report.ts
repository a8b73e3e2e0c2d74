/**
 * experimentReport: every variant against the control on every metric, the sample-ratio check, the
 * sample sizes still needed, and the result with its reasons (the rules are in decide.ts). Pure: the
 * control plane passes the aggregated ExperimentData it keeps, and gets plain data back.
 */
import { ErrorCode, SluiceError } from '../errors.js';
import { decideExperiment } from './decide.js';
import {
  resolveExperimentMetric, experimentMetricStats, validateExperimentSpec, DEFAULT_MIN_SAMPLES_PER_VARIANT,
  type ConversionStats, type ExperimentData, type ExperimentSpec, type MeanStats, type ExperimentMetricStats, type ResolvedExperimentMetric,
} from './experiment-spec.js';
import { finiteOrNull } from './format.js';
import { holmAdjust } from './holm.js';
import type { ExperimentReport, ExperimentRow, ExperimentSampleSizePlan, ExperimentVariantSummary, ExperimentRowVerdict } from './report-types.js';
import { twoMeanSampleSize, twoProportionSampleSize } from './sample-size.js';
import { sampleRatioMismatch } from './srm.js';
import { meanAndVariance, twoProportionZTest, welchTTest, type TwoSampleComparison } from './two-sample.js';

const sampleCount = (s: ExperimentMetricStats): number => ('users' in s ? s.users : s.n);
const valueOf = (s: ExperimentMetricStats): number =>
  'users' in s ? (s.users > 0 ? s.conversions / s.users : NaN) : (s.n > 0 ? s.sum / s.n : NaN);

/** The z-test for conversion metrics, Welch's t-test for mean metrics, at the metric's alpha. */
export function compareToControl(metric: ResolvedExperimentMetric, control: ExperimentMetricStats, treatment: ExperimentMetricStats): TwoSampleComparison {
  return metric.kind === 'conversion'
    ? twoProportionZTest(control as ConversionStats, treatment as ConversionStats, metric.alpha)
    : welchTTest(control as MeanStats, treatment as MeanStats, metric.alpha);
}

const isImprovement = (metric: ResolvedExperimentMetric, difference: number): boolean =>
  metric.direction === 'increase' ? difference > 0 : difference < 0;

/** better / worse when significant, equivalent when the lift's interval is inside ±MDE, else unclear. */
function primaryVerdict(metric: ResolvedExperimentMetric, cmp: TwoSampleComparison, adjustedP: number): ExperimentRowVerdict {
  if (adjustedP < metric.alpha) return isImprovement(metric, cmp.difference) ? 'better' : 'worse';
  const mde = metric.minimumDetectableEffect;
  const [low, high] = cmp.relativeInterval;
  return mde !== undefined && low > -mde && high < mde ? 'equivalent' : 'unclear';
}

/**
 * A guardrail is breached when the whole interval of its relative lift is worse than −maxDegradation.
 * When the control's value is 0 there is no relative lift, and the interval of the difference must be
 * wholly on the worse side of 0 instead.
 */
export function guardrailBreached(metric: ResolvedExperimentMetric, cmp: TwoSampleComparison): boolean {
  const relative = Number.isFinite(cmp.relativeLift);
  const [low, high] = relative ? cmp.relativeInterval : cmp.interval;
  const tolerance = relative ? metric.maxDegradation : 0;
  return metric.direction === 'increase' ? high < -tolerance : low > tolerance;
}

/** What every row has, control or not. */
type RowBase = Pick<ExperimentRow, 'variant' | 'metric' | 'role' | 'kind' | 'n' | 'value'>;

function comparisonRow(base: RowBase, metric: ResolvedExperimentMetric, cmp: TwoSampleComparison, adjustedP: number): ExperimentRow {
  const verdict: ExperimentRowVerdict = base.role === 'primary' ? primaryVerdict(metric, cmp, adjustedP) : guardrailBreached(metric, cmp) ? 'breached' : 'ok';
  return {
    ...base, isControl: false,
    diff: finiteOrNull(cmp.difference), relativeLift: finiteOrNull(cmp.relativeLift),
    ciLow: finiteOrNull(cmp.interval[0]), ciHigh: finiteOrNull(cmp.interval[1]),
    relativeCiLow: finiteOrNull(cmp.relativeInterval[0]), relativeCiHigh: finiteOrNull(cmp.relativeInterval[1]),
    statistic: Number.isNaN(cmp.statistic) ? null : cmp.statistic,
    df: Number.isFinite(cmp.degreesOfFreedom) && metric.kind === 'mean' ? cmp.degreesOfFreedom : null,
    pValue: finiteOrNull(cmp.pValue), adjustedPValue: finiteOrNull(adjustedP),
    significant: adjustedP < metric.alpha, verdict,
  };
}

/** One row per variant on one metric; Holm's correction across the treatments on the primary metric. */
function metricRows(spec: ExperimentSpec, data: ExperimentData, metric: ResolvedExperimentMetric, role: 'primary' | 'guardrail'): ExperimentRow[] {
  const control = experimentMetricStats(data, metric, spec.control);
  const treatments = spec.variants.filter((v) => v.name !== spec.control);
  const comparisons = treatments.map((v) => compareToControl(metric, control, experimentMetricStats(data, metric, v.name)));
  const raw = comparisons.map((c) => c.pValue);
  const adjusted = role === 'primary' ? holmAdjust(raw) : raw;
  return spec.variants.map((v) => {
    const stats = experimentMetricStats(data, metric, v.name);
    const base: RowBase = { variant: v.name, metric: metric.name, role, kind: metric.kind, n: sampleCount(stats), value: finiteOrNull(valueOf(stats)) };
    const i = treatments.indexOf(v);
    const cmp = comparisons[i];
    if (cmp === undefined) {
      return { ...base, isControl: true, diff: null, relativeLift: null, ciLow: null, ciHigh: null, relativeCiLow: null, relativeCiHigh: null,
        statistic: null, df: null, pValue: null, adjustedPValue: null, significant: false, verdict: null };
    }
    return comparisonRow(base, metric, cmp, adjusted[i] ?? NaN);
  });
}

/**
 * Samples each variant needs on the primary metric: the power calculation at the control's observed
 * rate (or mean and variance) for a change of MDE in the better direction, at alpha / number of
 * treatments (Holm's first, strictest step), and never below minSamplesPerVariant.
 */
export function planExperimentSampleSize(metric: ResolvedExperimentMetric, control: ExperimentMetricStats, treatments: number, floor: number): ExperimentSampleSizePlan {
  const alpha = metric.alpha / treatments;
  const mde = metric.minimumDetectableEffect;
  const plan = { floor, alpha, power: metric.power, minimumDetectableEffect: mde ?? null };
  if (mde === undefined) return { ...plan, perVariant: floor, fromPower: null, note: null };
  const sign = metric.direction === 'increase' ? 1 : -1;
  let fromPower: number;
  if ('users' in control) {
    const baseline = valueOf(control);
    fromPower = twoProportionSampleSize(baseline, baseline * (1 + sign * mde), alpha, metric.power);
  } else {
    const { mean, variance } = meanAndVariance(control);
    fromPower = twoMeanSampleSize(variance, mde * Math.abs(mean), alpha, metric.power);
  }
  if (Number.isFinite(fromPower)) return { ...plan, perVariant: Math.max(floor, fromPower), fromPower, note: null };
  const note = sampleCount(control) < 2 ? 'the control has no data yet'
    : metric.kind === 'conversion' ? `the control's rate ${valueOf(control)} changed by ${mde} is not a rate between 0 and 1`
      : "the control's mean is 0, so a relative effect has no size";
  return { ...plan, perVariant: null, fromPower: null, note };
}

function exposuresOf(spec: ExperimentSpec, data: ExperimentData): number[] {
  return spec.variants.map((v) => {
    const n = data.exposures[v.name] ?? 0;
    if (!(typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
      const path = `data.exposures.${v.name}`;
      throw new SluiceError(ErrorCode.INVALID_REQUEST, `${path} must be a count ≥ 0`, { problems: [{ message: `${path} must be a count ≥ 0`, path, found: String(n) }] });
    }
    return n;
  });
}

/**
 * The full report of an experiment on its data. Throws SluiceError(INVALID_SPEC) for an invalid spec
 * and INVALID_REQUEST for impossible data (negative counts, more conversions than users).
 */
export function experimentReport(spec: ExperimentSpec, data: ExperimentData): ExperimentReport {
  validateExperimentSpec(spec);
  const primary = resolveExperimentMetric(spec.primaryMetric);
  const guardrails = (spec.guardrailMetrics ?? []).map(resolveExperimentMetric);
  const treatments = spec.variants.length - 1;
  const exposures = exposuresOf(spec, data);
  const { expected, ...srm } = sampleRatioMismatch(exposures, spec.variants.map((v) => v.weight));
  const rows = [...metricRows(spec, data, primary, 'primary'), ...guardrails.flatMap((g) => metricRows(spec, data, g, 'guardrail'))];
  const sampleSize = planExperimentSampleSize(primary, experimentMetricStats(data, primary, spec.control), treatments, spec.minSamplesPerVariant ?? DEFAULT_MIN_SAMPLES_PER_VARIANT);
  const variants: ExperimentVariantSummary[] = spec.variants.map((v, i) => {
    const samples = sampleCount(experimentMetricStats(data, primary, v.name));
    const required = sampleSize.perVariant;
    return {
      name: v.name, isControl: v.name === spec.control, weight: v.weight, serves: v.serves,
      exposures: exposures[i] ?? 0, expectedExposures: expected[i] ?? 0, samples,
      requiredSamples: required, moreSamplesNeeded: required === null ? null : Math.max(0, required - samples),
    };
  });
  const tolerance = (name: string): number => guardrails.find((g) => g.name === name)?.maxDegradation ?? 0;
  const decision = decideExperiment({ control: spec.control, primary, srm: { ...srm, expected }, variants, rows, treatments }, tolerance);
  return {
    experiment: spec.name, control: spec.control, primaryMetric: primary.name, variants, rows,
    srm, sampleSize, correction: treatments > 1 ? 'holm' : 'none', ...decision,
  };
}

/** A metric whose data could not be read (a provider failed), with why. */
export interface UnavailableMetric {
  readonly metric: string;
  readonly variant: string;
  readonly message: string;
}

/**
 * The report when some metrics' data could not be read: inconclusive (a missing guardrail must not let
 * a winner through), with a metric-unavailable reason per metric first and the other reasons kept
 * except those that concluded. Unchanged when nothing is missing.
 */
export function withUnavailableMetrics(report: ExperimentReport, unavailable: readonly UnavailableMetric[]): ExperimentReport {
  if (unavailable.length === 0) return report;
  const concluded = new Set(['winner', 'control-wins', 'no-difference']);
  const missing = unavailable.map((u) => ({ code: 'metric-unavailable' as const, message: `metric ${u.metric} of ${u.variant} could not be read: ${u.message}` }));
  return { ...report, result: 'inconclusive', winner: null, reasons: [...missing, ...report.reasons.filter((r) => !concluded.has(r.code))] };
}
