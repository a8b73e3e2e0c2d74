import { ErrorCode, SluiceError, type Problem } from '../errors.js';

/**
 * An A/B(/n) experiment: variants that split users by weight, a control to compare them with, one
 * primary metric that decides the result and guardrail metrics that may veto it. Plain data, like the
 * rollout specs: the spec package builds it from YAML, the control plane assigns users (sticky, by
 * hashing their key) and aggregates events into ExperimentData, this module judges.
 */

/** What a variant serves: a deployed version, or one variation of a feature flag. */
export type VariantServes = { readonly version: string } | { readonly flag: string; readonly variation: string };

export interface ExperimentVariant {
  readonly name: string;
  /** Percent of the experiment's users; the variants' weights sum to 100. */
  readonly weight: number;
  readonly serves: VariantServes;
}

/** conversion: did a user convert (a rate); mean: a number per user or event (revenue, latency). */
export type ExperimentMetricKind = 'conversion' | 'mean';
/** Which way is better. */
export type ExperimentMetricDirection = 'increase' | 'decrease';

export interface ExperimentMetric {
  readonly name: string;
  readonly kind: ExperimentMetricKind;
  readonly direction: ExperimentMetricDirection;
  /**
   * The smallest change worth detecting, relative to the control (0.05 = 5 %). On the primary metric it
   * sets the sample size (with alpha and power) and the band inside which "no difference" is concluded;
   * without it the experiment can end with a winner but never with "no difference".
   */
  readonly minimumDetectableEffect?: number;
  /** Two-sided significance level. Default 0.05. */
  readonly alpha?: number;
  /** Probability of detecting an effect of minimumDetectableEffect. Default 0.8. */
  readonly power?: number;
  /**
   * Guardrails only: the worst relative degradation tolerated (0.02 = 2 % worse than control). The
   * guardrail is breached when its whole confidence interval is worse than that. Default 0.
   */
  readonly maxDegradation?: number;
}

export interface ExperimentSpec {
  readonly name: string;
  readonly variants: readonly ExperimentVariant[];
  /** The name of the variant the others are compared with. */
  readonly control: string;
  readonly primaryMetric: ExperimentMetric;
  readonly guardrailMetrics?: readonly ExperimentMetric[];
  /** A floor on the primary metric's samples per variant, on top of the power calculation. Default 100. */
  readonly minSamplesPerVariant?: number;
}

/** A metric with its defaults filled in. */
export interface ResolvedExperimentMetric {
  readonly name: string;
  readonly kind: ExperimentMetricKind;
  readonly direction: ExperimentMetricDirection;
  readonly minimumDetectableEffect: number | undefined;
  readonly alpha: number;
  readonly power: number;
  readonly maxDegradation: number;
}

export const DEFAULT_EXPERIMENT_ALPHA = 0.05;
export const DEFAULT_EXPERIMENT_POWER = 0.8;
/** Below about 100 users a side the normal approximations behind both tests are poor. */
export const DEFAULT_MIN_SAMPLES_PER_VARIANT = 100;

export function resolveExperimentMetric(metric: ExperimentMetric): ResolvedExperimentMetric {
  return {
    name: metric.name,
    kind: metric.kind,
    direction: metric.direction,
    minimumDetectableEffect: metric.minimumDetectableEffect,
    alpha: metric.alpha ?? DEFAULT_EXPERIMENT_ALPHA,
    power: metric.power ?? DEFAULT_EXPERIMENT_POWER,
    maxDegradation: metric.maxDegradation ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// The data in: sufficient statistics, so the control plane aggregates events as they come and keeps
// no per-user rows.

/** A conversion metric on one variant: users counted and how many of them converted. */
export interface ConversionStats { readonly users: number; readonly conversions: number }
/** A mean metric on one variant: the count, sum and sum of squares of the values. */
export interface MeanStats { readonly n: number; readonly sum: number; readonly sumSquares: number }
export type ExperimentMetricStats = ConversionStats | MeanStats;

export interface ExperimentData {
  /** Users assigned to each variant, by variant name (missing = 0). */
  readonly exposures: Readonly<Record<string, number>>;
  /** By metric name, then variant name; a missing entry means no data yet. */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, ExperimentMetricStats>>>>;
}

export const EMPTY_CONVERSION_STATS: ConversionStats = Object.freeze({ users: 0, conversions: 0 });
export const EMPTY_MEAN_STATS: MeanStats = Object.freeze({ n: 0, sum: 0, sumSquares: 0 });

/** One more user on a conversion metric. */
export const addConversion = (stats: ConversionStats, converted: boolean): ConversionStats =>
  ({ users: stats.users + 1, conversions: stats.conversions + (converted ? 1 : 0) });

/**
 * One more value on a mean metric. The variance is later taken as (Σx² − (Σx)²/n)/(n − 1), which loses
 * digits when the mean is large against the spread (1e9 ± 1): record such values minus a fixed offset.
 */
export const addMeanValue = (stats: MeanStats, value: number): MeanStats =>
  ({ n: stats.n + 1, sum: stats.sum + value, sumSquares: stats.sumSquares + value * value });

/** Two partial aggregates (two proxies, two time buckets) of the same metric and variant. */
export function mergeExperimentStats<S extends ExperimentMetricStats>(a: S, b: S): S {
  if ('users' in a && 'users' in b) return { users: a.users + b.users, conversions: a.conversions + b.conversions } as S;
  const [x, y] = [a as MeanStats, b as MeanStats];
  return { n: x.n + y.n, sum: x.sum + y.sum, sumSquares: x.sumSquares + y.sumSquares } as S;
}

// ---------------------------------------------------------------------------------------------------
// Validation: every problem at once, with its path, as the rest of the specs do.

const inOpenUnit = (v: unknown): boolean => typeof v === 'number' && v > 0 && v < 1;
const isPositive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;

function metricProblems(metric: ExperimentMetric, path: string): Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, expected: string, found: unknown): void => {
    problems.push({ message: `${path}.${field} must be ${expected}`, path: `${path}.${field}`, expected, found: String(found) });
  };
  if (typeof metric.name !== 'string' || metric.name === '') add('name', 'a non-empty string', metric.name);
  if (metric.kind !== 'conversion' && metric.kind !== 'mean') add('kind', 'conversion or mean', metric.kind);
  if (metric.direction !== 'increase' && metric.direction !== 'decrease') add('direction', 'increase or decrease', metric.direction);
  if (metric.minimumDetectableEffect !== undefined && !isPositive(metric.minimumDetectableEffect)) {
    add('minimumDetectableEffect', 'a number > 0 (relative: 0.05 = 5 %)', metric.minimumDetectableEffect);
  }
  if (metric.alpha !== undefined && !inOpenUnit(metric.alpha)) add('alpha', 'between 0 and 1', metric.alpha);
  if (metric.power !== undefined && !inOpenUnit(metric.power)) add('power', 'between 0 and 1', metric.power);
  const d = metric.maxDegradation;
  if (d !== undefined && !(typeof d === 'number' && Number.isFinite(d) && d >= 0)) add('maxDegradation', 'a number ≥ 0 (relative)', d);
  return problems;
}

function variantProblems(spec: ExperimentSpec): Problem[] {
  const problems: Problem[] = [];
  const names = new Set<string>();
  let total = 0;
  spec.variants.forEach((v, i) => {
    const path = `spec.variants[${i}]`;
    if (typeof v.name !== 'string' || v.name === '') problems.push({ message: `${path}.name must be a non-empty string`, path: `${path}.name` });
    else if (names.has(v.name)) problems.push({ message: `variant "${v.name}" appears twice`, path: `${path}.name`, found: v.name });
    names.add(v.name);
    if (!isPositive(v.weight)) problems.push({ message: `${path}.weight must be a percentage > 0`, path: `${path}.weight`, found: String(v.weight) });
    else total += v.weight;
    const s = v.serves as Partial<{ version: unknown; flag: unknown; variation: unknown }> | undefined;
    const ok = typeof s?.version === 'string' || (typeof s?.flag === 'string' && typeof s.variation === 'string');
    if (!ok) problems.push({ message: `${path}.serves must be { version } or { flag, variation }`, path: `${path}.serves` });
  });
  if (spec.variants.length < 2) problems.push({ message: 'an experiment needs at least two variants', path: 'spec.variants', found: String(spec.variants.length) });
  else if (problems.length === 0 && Math.abs(total - 100) > 1e-9) {
    problems.push({ message: `variant weights must sum to 100, found ${total}`, path: 'spec.variants', expected: '100', found: String(total) });
  }
  if (!names.has(spec.control)) problems.push({ message: `control "${spec.control}" is not one of the variants`, path: 'spec.control', found: spec.control });
  return problems;
}

/** Checks a spec; throws SluiceError(INVALID_SPEC) listing every problem with its path. */
export function validateExperimentSpec(spec: ExperimentSpec): void {
  const problems = [...variantProblems(spec), ...metricProblems(spec.primaryMetric, 'spec.primaryMetric')];
  const metricNames = new Set([spec.primaryMetric.name]);
  (spec.guardrailMetrics ?? []).forEach((m, i) => {
    problems.push(...metricProblems(m, `spec.guardrailMetrics[${i}]`));
    if (metricNames.has(m.name)) problems.push({ message: `metric "${m.name}" appears twice`, path: `spec.guardrailMetrics[${i}].name` });
    metricNames.add(m.name);
  });
  const floor = spec.minSamplesPerVariant;
  if (floor !== undefined && !(Number.isInteger(floor) && floor >= 0)) {
    problems.push({ message: 'spec.minSamplesPerVariant must be a whole number ≥ 0', path: 'spec.minSamplesPerVariant', found: String(floor) });
  }
  if (problems.length > 0) {
    const first = problems[0]?.message ?? '';
    throw new SluiceError(ErrorCode.INVALID_SPEC, `experiment ${spec.name}: ${first}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { problems });
  }
}

/** Reads one metric's statistics for a variant, checking them; missing data is empty. */
export function experimentMetricStats(data: ExperimentData, metric: ResolvedExperimentMetric, variant: string): ExperimentMetricStats {
  const stats = data.metrics[metric.name]?.[variant];
  const where = `data.metrics.${metric.name}.${variant}`;
  const bad = (expected: string): SluiceError =>
    new SluiceError(ErrorCode.INVALID_REQUEST, `${where} must be ${expected}`, { problems: [{ message: `${where} must be ${expected}`, path: where, expected, found: JSON.stringify(stats) }] });
  if (metric.kind === 'conversion') {
    if (stats === undefined) return EMPTY_CONVERSION_STATS;
    const s = stats as Partial<ConversionStats>;
    const { users, conversions } = s;
    if (!(typeof users === 'number' && typeof conversions === 'number' && Number.isFinite(users) && conversions >= 0 && conversions <= users)) {
      throw bad('{ users, conversions } with 0 ≤ conversions ≤ users');
    }
    return { users, conversions };
  }
  if (stats === undefined) return EMPTY_MEAN_STATS;
  const { n, sum, sumSquares } = stats as Partial<MeanStats>;
  if (!(typeof n === 'number' && n >= 0 && Number.isFinite(n) && Number.isFinite(sum) && Number.isFinite(sumSquares) && (sumSquares ?? -1) >= 0)) {
    throw bad('{ n, sum, sumSquares } with n ≥ 0 and finite sums');
  }
  return { n, sum: sum ?? 0, sumSquares: sumSquares ?? 0 };
}
