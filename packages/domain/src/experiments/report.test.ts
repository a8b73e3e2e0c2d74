import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../analysis/seeded-random.js';
import {
  addConversion, addMeanValue, EMPTY_CONVERSION_STATS, EMPTY_MEAN_STATS,
  type ConversionStats, type ExperimentData, type ExperimentSpec, type MeanStats,
} from './experiment-spec.js';
import type { ExperimentReport, ExperimentRow } from './report-types.js';
import { experimentReport } from './report.js';
import { assertClose } from './testing/close.js';
import {
  refChiSquareUpper, refHolm, refNormalUpperQuantile, refProportionSampleSize, refTwoProportion, refWelch, type RefComparison,
} from './testing/reference.js';

// ---------------------------------------------------------------------------------------------------
// A seeded synthetic experiment: per-user assignment, conversion, latency and revenue, aggregated the
// way the control plane will (addConversion / addMeanValue), with the raw values kept for the reference.

interface Truth { readonly conversion: number; readonly latencyMs: number; readonly revenuePerPurchase: number }
interface Raw { purchases: boolean[]; latency: number[]; revenue: number[] }

const SPEC: ExperimentSpec = {
  name: 'checkout-button',
  variants: [
    { name: 'control', weight: 50, serves: { version: 'v1' } },
    { name: 'green', weight: 50, serves: { flag: 'checkout-button', variation: 'green' } },
  ],
  control: 'control',
  primaryMetric: { name: 'purchase', kind: 'conversion', direction: 'increase', minimumDetectableEffect: 0.1 },
  guardrailMetrics: [
    { name: 'latency-ms', kind: 'mean', direction: 'decrease', maxDegradation: 0.05 },
    { name: 'revenue', kind: 'mean', direction: 'increase' },
  ],
};

/**
 * `users` users split by the spec's weights; `lose` drops that share of a variant's users before they
 * are counted anywhere (a broken redirect), which is what a sample-ratio mismatch looks like.
 */
function simulate(seed: number, users: number, truth: Readonly<Record<string, Truth>>, lose: Readonly<Record<string, number>> = {}) {
  const random = mulberry32(seed);
  const exponential = (mean: number): number => -mean * Math.log(1 - random());
  const raw: Record<string, Raw> = {};
  const exposures: Record<string, number> = {};
  const purchase: Record<string, ConversionStats> = {};
  const latency: Record<string, MeanStats> = {};
  const revenue: Record<string, MeanStats> = {};
  for (let i = 0; i < users; i++) {
    let pick = random() * 100;
    const variant = SPEC.variants.find((v) => (pick -= v.weight) < 0)?.name ?? 'control';
    const t = truth[variant];
    if (t === undefined) throw new Error(variant);
    const bought = random() < t.conversion;
    const ms = exponential(t.latencyMs);
    const spent = bought ? exponential(t.revenuePerPurchase) : 0;
    if (random() < (lose[variant] ?? 0)) continue;
    const r = (raw[variant] ??= { purchases: [], latency: [], revenue: [] });
    r.purchases.push(bought);
    r.latency.push(ms);
    r.revenue.push(spent);
    exposures[variant] = (exposures[variant] ?? 0) + 1;
    purchase[variant] = addConversion(purchase[variant] ?? EMPTY_CONVERSION_STATS, bought);
    latency[variant] = addMeanValue(latency[variant] ?? EMPTY_MEAN_STATS, ms);
    revenue[variant] = addMeanValue(revenue[variant] ?? EMPTY_MEAN_STATS, spent);
  }
  const data: ExperimentData = { exposures, metrics: { purchase, 'latency-ms': latency, revenue } };
  return { data, raw };
}

const rawOf = (raw: Record<string, Raw>, variant: string): Raw => {
  const r = raw[variant];
  assert.ok(r, `no users in ${variant}`);
  return r;
};
const conversions = (r: Raw): number => r.purchases.filter(Boolean).length;

function row(report: ExperimentReport, metric: string, variant: string): ExperimentRow {
  const found = report.rows.find((r) => r.metric === metric && r.variant === variant);
  assert.ok(found, `row ${metric}/${variant}`);
  return found;
}

/** A report row against the independent reference, to 1e-6 relative. */
function assertRowMatches(actual: ExperimentRow, ref: RefComparison, what: string): void {
  assertClose(actual.value, ref.treatment, 1e-9, `${what} value`);
  assertClose(actual.diff, ref.diff, 1e-9, `${what} diff`);
  assertClose(actual.statistic, ref.statistic, 1e-6, `${what} statistic`);
  if (Number.isFinite(ref.df)) assertClose(actual.df, ref.df, 1e-6, `${what} Welch df`);
  assertClose(actual.pValue, ref.p, 1e-6, `${what} p`);
  assertClose(actual.ciLow, ref.ciLow, 1e-6, `${what} CI low`);
  assertClose(actual.ciHigh, ref.ciHigh, 1e-6, `${what} CI high`);
  assertClose(actual.relativeLift, ref.lift, 1e-9, `${what} lift`);
  assertClose(actual.relativeCiLow, ref.liftLow, 1e-6, `${what} lift CI low`);
  assertClose(actual.relativeCiHigh, ref.liftHigh, 1e-6, `${what} lift CI high`);
}

const WINNING: Record<string, Truth> = {
  control: { conversion: 0.1, latencyMs: 200, revenuePerPurchase: 50 },
  green: { conversion: 0.12, latencyMs: 200, revenuePerPurchase: 50 },
};

test('seeded experiment: every row, the SRM check and the sample size match the independent reference', () => {
  const { data, raw } = simulate(20240601, 40_000, WINNING);
  const report = experimentReport(SPEC, data);
  const [c, g] = [rawOf(raw, 'control'), rawOf(raw, 'green')];

  const purchase = refTwoProportion(conversions(c), c.purchases.length, conversions(g), g.purchases.length);
  assertRowMatches(row(report, 'purchase', 'green'), purchase, 'purchase');
  assertClose(row(report, 'purchase', 'control').value, purchase.control, 1e-12, 'control rate');
  assert.equal(row(report, 'purchase', 'green').n, g.purchases.length);
  assertRowMatches(row(report, 'latency-ms', 'green'), refWelch(c.latency, g.latency), 'latency');
  assertRowMatches(row(report, 'revenue', 'green'), refWelch(c.revenue, g.revenue), 'revenue');

  // SRM: 50/50 → expected half of the total each; χ² with 1 df, p = erfc(√(χ²/2)).
  const total = c.purchases.length + g.purchases.length;
  const chi2 = ((c.purchases.length - total / 2) ** 2 + (g.purchases.length - total / 2) ** 2) / (total / 2);
  assertClose(report.srm.chi2, chi2, 1e-9, 'χ²');
  assertClose(report.srm.p, refChiSquareUpper(chi2, 1), 1e-8, 'SRM p');
  assert.equal(report.srm.flagged, false);

  // Sample size: Fleiss at the control's observed rate → rate × 1.1, α = 0.05, power 0.8.
  const required = refProportionSampleSize(purchase.control, purchase.control * 1.1, 0.05, 0.8);
  assert.equal(report.sampleSize.perVariant, required);
  assert.ok(required > 12_000 && required < 18_000, `required ${required}`);
  assert.deepEqual(report.variants.map((v) => v.moreSamplesNeeded), [0, 0]);

  assert.equal(report.result, 'winner');
  assert.equal(report.winner, 'green');
  assert.equal(report.correction, 'none');
  assert.deepEqual(report.reasons.map((r) => r.code), ['winner']);
  assert.equal(row(report, 'purchase', 'green').verdict, 'better');
  assert.deepEqual([row(report, 'latency-ms', 'green').verdict, row(report, 'revenue', 'green').verdict], ['ok', 'ok']);
  assert.doesNotThrow(() => JSON.stringify(report));
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'plain JSON: no NaN, no undefined');
});

test('SRM: losing 6.5 % of the control\'s users turns the same would-be winner into inconclusive', () => {
  const { data, raw } = simulate(20240601, 40_000, WINNING, { control: 0.065 });
  const report = experimentReport(SPEC, data);
  const [nc, ng] = [rawOf(raw, 'control').purchases.length, rawOf(raw, 'green').purchases.length];
  const chi2 = (2 * ((nc - ng) / 2) ** 2) / ((nc + ng) / 2);
  assertClose(report.srm.chi2, chi2, 1e-9, 'χ²');
  assertClose(report.srm.p, refChiSquareUpper(chi2, 1), 1e-8, 'SRM p');
  assert.ok(report.srm.p < 0.001 && report.srm.flagged);
  assert.equal(row(report, 'purchase', 'green').verdict, 'better', 'the metric alone would have declared a winner');
  assert.equal(report.result, 'inconclusive');
  assert.equal(report.winner, null);
  assert.deepEqual(report.reasons.map((r) => r.code), ['srm']);
  assert.match(report.reasons[0]?.message ?? '', /sample ratio mismatch.*p = \d/);
});

/** Two variants, explicit counts: exposures and the primary's users are the same. */
function countsData(counts: Readonly<Record<string, readonly [users: number, conversions: number]>>): ExperimentData {
  const purchase: Record<string, ConversionStats> = {};
  const exposures: Record<string, number> = {};
  for (const [name, [users, conv]] of Object.entries(counts)) {
    purchase[name] = { users, conversions: conv };
    exposures[name] = users;
  }
  return { exposures, metrics: { purchase } };
}

const SIMPLE: ExperimentSpec = { ...SPEC, guardrailMetrics: [], primaryMetric: { name: 'purchase', kind: 'conversion', direction: 'increase' } };

test('SRM at the boundary: 10,000 vs 10,400 (p = 0.0051) keeps the winner; 10,000 vs 10,700 (p = 1.1e-6) does not', () => {
  const kept = experimentReport(SIMPLE, countsData({ control: [10_000, 1_000], green: [10_400, 1_250] }));
  assertClose(kept.srm.chi2, 7.8431, 0, 'χ²', 1e-4);
  assertClose(kept.srm.p, 0.0051, 0, 'p', 1e-4);
  assert.equal(kept.result, 'winner');
  const lost = experimentReport(SIMPLE, countsData({ control: [10_000, 1_000], green: [10_700, 1_290] }));
  assertClose(lost.srm.chi2, 23.6715, 0, 'χ²', 1e-4);
  assert.ok(lost.srm.flagged);
  assert.equal(row(lost, 'purchase', 'green').verdict, 'better');
  assert.deepEqual([lost.result, lost.winner, lost.reasons[0]?.code], ['inconclusive', null, 'srm']);
});

test('guardrail breach: green converts better but is 15 % slower (tolerance 5 %): inconclusive', () => {
  const truth = { ...WINNING, green: { conversion: 0.12, latencyMs: 230, revenuePerPurchase: 50 } };
  const { data, raw } = simulate(77, 40_000, truth);
  const report = experimentReport(SPEC, data);
  const latency = refWelch(rawOf(raw, 'control').latency, rawOf(raw, 'green').latency);
  assertRowMatches(row(report, 'latency-ms', 'green'), latency, 'latency');
  assert.ok(latency.liftLow > 0.05, `the whole interval is worse than +5 %: ${latency.liftLow}`);
  assert.equal(row(report, 'latency-ms', 'green').verdict, 'breached');
  assert.equal(row(report, 'purchase', 'green').verdict, 'better');
  assert.equal(report.result, 'inconclusive');
  assert.deepEqual(report.reasons.map((r) => r.code), ['guardrail-breached', 'guardrail-breached']);
  assert.match(report.reasons[1]?.message ?? '', /guardrail latency-ms breached by green/);
});

test('a guardrail worse but within its tolerance does not block the winner', () => {
  // 10 % slower: significantly worse (the whole interval above 0) but inside the 15 % tolerated.
  const truth = { ...WINNING, green: { conversion: 0.12, latencyMs: 220, revenuePerPurchase: 50 } };
  const { data } = simulate(81, 40_000, truth);
  const latencyTolerant = { ...SPEC, guardrailMetrics: [{ name: 'latency-ms', kind: 'mean', direction: 'decrease', maxDegradation: 0.15 }] } satisfies ExperimentSpec;
  const report = experimentReport(latencyTolerant, data);
  const r = row(report, 'latency-ms', 'green');
  assert.ok((r.relativeCiLow ?? 0) > 0 && (r.relativeCiHigh ?? 1) < 0.15, `${r.relativeCiLow} … ${r.relativeCiHigh}`);
  assert.equal(r.verdict, 'ok');
  assert.deepEqual([report.result, report.winner], ['winner', 'green']);
});

test('no difference: the interval of the lift lies inside ±MDE once the samples are in', () => {
  const truth = { ...WINNING, green: WINNING.control as Truth };
  const { data, raw } = simulate(5, 60_000, truth);
  const report = experimentReport(SPEC, data);
  const [c, g] = [rawOf(raw, 'control'), rawOf(raw, 'green')];
  const ref = refTwoProportion(conversions(c), c.purchases.length, conversions(g), g.purchases.length);
  assertRowMatches(row(report, 'purchase', 'green'), ref, 'purchase');
  assert.ok(ref.p > 0.05 && ref.liftLow > -0.1 && ref.liftHigh < 0.1, `${ref.liftLow} … ${ref.liftHigh}`);
  assert.equal(row(report, 'purchase', 'green').verdict, 'equivalent');
  assert.deepEqual([report.result, report.winner, report.reasons[0]?.code], ['no difference', null, 'no-difference']);
});

test('too few samples: a strong early effect waits, and the report says how many more users each variant needs', () => {
  const { data, raw } = simulate(11, 3_000, WINNING);
  const report = experimentReport(SPEC, data);
  const [c, g] = [rawOf(raw, 'control'), rawOf(raw, 'green')];
  const required = refProportionSampleSize(conversions(c) / c.purchases.length, (conversions(c) / c.purchases.length) * 1.1, 0.05, 0.8);
  assert.equal(report.sampleSize.fromPower, required);
  assert.deepEqual(report.variants.map((v) => v.moreSamplesNeeded), [required - c.purchases.length, required - g.purchases.length]);
  assert.equal(report.result, 'inconclusive');
  assert.deepEqual(report.reasons.map((r) => r.code), ['too-few-samples']);
  assert.match(report.reasons[0]?.message ?? '', new RegExp(`green needs ${(required - g.purchases.length).toLocaleString('en-US')} more`));
});

test('minSamplesPerVariant is a floor under the power calculation', () => {
  const report = experimentReport({ ...SIMPLE, minSamplesPerVariant: 20_000 }, countsData({ control: [10_000, 1_000], green: [10_000, 1_300] }));
  assert.equal(report.sampleSize.perVariant, 20_000);
  assert.deepEqual(report.variants.map((v) => v.moreSamplesNeeded), [10_000, 10_000]);
  assert.equal(report.result, 'inconclusive');
});

test('Holm over 3 treatments: raw p 0.0039, 0.0351, 0.41 → adjusted 0.0116, 0.0702, 0.41: one winner, not two', () => {
  const spec: ExperimentSpec = {
    ...SIMPLE,
    variants: ['control', 'b', 'c', 'd'].map((name) => ({ name, weight: 25, serves: { version: name } })),
  };
  const counts = { control: [5000, 500], b: [5000, 590], c: [5000, 565], d: [5000, 525] } as const;
  const report = experimentReport(spec, countsData(counts));
  const refs = (['b', 'c', 'd'] as const).map((v) => refTwoProportion(500, 5000, counts[v][1], 5000));
  const adjusted = refHolm(refs.map((r) => r.p));
  (['b', 'c', 'd'] as const).forEach((v, i) => {
    assertClose(row(report, 'purchase', v).pValue, refs[i]?.p ?? NaN, 1e-6, `${v} raw p`);
    assertClose(row(report, 'purchase', v).adjustedPValue, adjusted[i] ?? NaN, 1e-6, `${v} Holm p`);
  });
  assert.ok((refs[1]?.p ?? 1) < 0.05, 'c alone would be significant');
  assert.deepEqual(report.rows.filter((r) => !r.isControl).map((r) => [r.variant, r.significant]), [['b', true], ['c', false], ['d', false]]);
  assert.equal(report.correction, 'holm');
  assert.deepEqual([report.result, report.winner], ['winner', 'b']);
  assert.match(report.reasons[0]?.message ?? '', /Holm-adjusted over 3 treatments/);
  // Holm's strictest step also sizes the experiment: α/3 per comparison.
  assert.equal(experimentReport({ ...spec, primaryMetric: { ...SIMPLE.primaryMetric, minimumDetectableEffect: 0.2 } }, countsData(counts)).sampleSize.alpha, 0.05 / 3);
});

test('two treatments both better: conflicting; every treatment worse: the control wins', () => {
  const spec: ExperimentSpec = { ...SIMPLE, variants: ['control', 'b', 'c'].map((name) => ({ name, weight: 100 / 3, serves: { version: name } })) };
  const both = experimentReport(spec, countsData({ control: [5000, 500], b: [5000, 600], c: [5000, 610] }));
  assert.deepEqual([both.result, both.winner, both.reasons[0]?.code], ['inconclusive', null, 'conflicting']);
  const worse = experimentReport(SIMPLE, countsData({ control: [5000, 600], green: [5000, 500] }));
  assert.equal(row(worse, 'purchase', 'green').verdict, 'worse');
  assert.deepEqual([worse.result, worse.winner, worse.reasons[0]?.code], ['winner', 'control', 'control-wins']);
});

test('not significant: without an MDE never "no difference"; with one, an interval wider than ±MDE is not significant', () => {
  const flat = countsData({ control: [15_000, 1_500], green: [15_000, 1_510] });
  const noMde = experimentReport(SIMPLE, flat);
  assert.deepEqual([noMde.result, noMde.reasons[0]?.code], ['inconclusive', 'no-minimum-detectable-effect']);
  // Lift +5 %: z ≈ 1.44, p ≈ 0.15, interval of the lift ≈ −1.9 % … +11.9 %, past the +10 % MDE.
  const spec = { ...SIMPLE, primaryMetric: { ...SIMPLE.primaryMetric, minimumDetectableEffect: 0.1 } };
  const wide = experimentReport(spec, countsData({ control: [15_000, 1_500], green: [15_000, 1_575] }));
  const ref = refTwoProportion(1500, 15_000, 1575, 15_000);
  assert.ok(ref.p > 0.05 && ref.liftHigh > 0.1 && ref.liftLow < 0, `${ref.p} ${ref.liftLow} ${ref.liftHigh}`);
  assert.equal(wide.variants[0]?.moreSamplesNeeded, 0);
  assert.deepEqual([wide.result, wide.reasons[0]?.code, row(wide, 'purchase', 'green').verdict], ['inconclusive', 'not-significant', 'unclear']);
});

test('a mean primary metric (latency, lower is better) is sized from the control\'s variance', () => {
  const spec: ExperimentSpec = {
    ...SPEC, guardrailMetrics: [],
    primaryMetric: { name: 'latency-ms', kind: 'mean', direction: 'decrease', minimumDetectableEffect: 0.05, alpha: 0.01, power: 0.9 },
  };
  const truth = { ...WINNING, green: { conversion: 0.1, latencyMs: 180, revenuePerPurchase: 50 } };
  const { data, raw } = simulate(3, 40_000, truth);
  const report = experimentReport(spec, data);
  const c = rawOf(raw, 'control').latency;
  const ref = refWelch(c, rawOf(raw, 'green').latency, 0.01);
  assertRowMatches(row(report, 'latency-ms', 'green'), ref, 'latency');
  const mean = c.reduce((s, v) => s + v, 0) / c.length;
  const variance = c.reduce((s, v) => s + (v - mean) ** 2, 0) / (c.length - 1);
  const z = refNormalUpperQuantile(0.005) + refNormalUpperQuantile(0.1);
  assert.equal(report.sampleSize.fromPower, Math.ceil((2 * variance * z * z) / (0.05 * mean) ** 2));
  assert.deepEqual([report.result, report.winner], ['winner', 'green']);
});
