/**
 * The experiment's result from its rows, by these rules, in this order:
 *
 * 1. Blocking: a sample-ratio mismatch (p < 0.001), or any variant short of the required samples on the
 *    primary metric (max(minSamplesPerVariant, the power calculation)), makes the result inconclusive
 *    whatever the metrics say: the data cannot be trusted, or the tests may not be read yet (reading a
 *    fixed-horizon test early inflates false positives).
 * 2. Each treatment is classified on the primary metric: better / worse when its Holm-adjusted p-value
 *    is below alpha (the sign of the difference against the metric's direction says which), else
 *    equivalent when the 1 − alpha interval of its relative lift lies strictly inside (−MDE, +MDE),
 *    else unclear.
 * 3. winner: exactly one treatment is better, and none of its guardrails is breached (the whole
 *    interval of the guardrail's lift worse than −maxDegradation). Two or more better: inconclusive,
 *    conflicting (which is best is a different test). One better with a breached guardrail:
 *    inconclusive, guardrail breached.
 *    The control is the winner when every treatment is worse: promoting it ends the experiment.
 * 4. no difference: every treatment is equivalent. This is an equivalence test (TOST) at level alpha/2
 *    per side for each treatment; requiring all of them is an intersection–union test, which needs no
 *    multiplicity correction. Without an MDE it is never concluded.
 * 5. Otherwise inconclusive: conflicting (some worse, the rest equivalent), not significant (some
 *    unclear), or no minimum detectable effect to conclude "no difference" with.
 * Guardrail breaches are listed among the reasons whatever the result.
 */
import { formatCount, formatNumber, formatP, formatPercent } from './format.js';
import type { ResolvedExperimentMetric } from './experiment-spec.js';
import type { ExperimentReason, ExperimentResult, ExperimentRow, ExperimentVariantSummary } from './report-types.js';
import type { SampleRatioMismatch } from './srm.js';

export interface ExperimentDecisionInput {
  readonly control: string;
  readonly primary: ResolvedExperimentMetric;
  readonly srm: SampleRatioMismatch;
  readonly variants: readonly ExperimentVariantSummary[];
  readonly rows: readonly ExperimentRow[];
  /** Number of treatments, for the wording of the correction. */
  readonly treatments: number;
}

export interface ExperimentDecision {
  readonly result: ExperimentResult;
  readonly winner: string | null;
  readonly reasons: readonly ExperimentReason[];
}

/** "lift +12.0%, CI +3.1% to +20.9%" (or the difference, when the control's value is 0). */
const liftText = (row: ExperimentRow): string => {
  if (row.relativeLift === null) return `difference ${formatNumber(row.diff, true)}, CI ${formatNumber(row.ciLow, true)} to ${formatNumber(row.ciHigh, true)}`;
  const lift = (x: number | null): string => formatPercent(x, 1, true);
  return `lift ${lift(row.relativeLift)}, CI ${lift(row.relativeCiLow)} to ${lift(row.relativeCiHigh)}`;
};

function blockingReasons(input: ExperimentDecisionInput): ExperimentReason[] {
  const reasons: ExperimentReason[] = [];
  const { srm, variants } = input;
  if (srm.flagged) {
    const counts = variants.map((v) => `${v.name} ${formatCount(v.exposures)} (expected ${formatCount(v.expectedExposures)})`).join(', ');
    reasons.push({ code: 'srm', message: `sample ratio mismatch: users per variant ${counts} do not match the weights: χ² = ${formatNumber(srm.chi2)}, df = ${srm.df}, p = ${formatP(srm.p)} < ${srm.threshold}; find what loses or double-counts users before reading any metric` });
  }
  const short = variants.filter((v) => v.moreSamplesNeeded === null || v.moreSamplesNeeded > 0);
  if (short.length > 0) {
    const parts = short.map((v) => (v.requiredSamples === null ? `${v.name} (required size not known yet)` : `${v.name} needs ${formatCount(v.moreSamplesNeeded ?? 0)} more (${formatCount(v.samples)} of ${formatCount(v.requiredSamples)})`));
    reasons.push({ code: 'too-few-samples', message: `too few samples on ${input.primary.name}: ${parts.join(', ')}` });
  }
  return reasons;
}

function guardrailReasons(rows: readonly ExperimentRow[], guardrailTolerance: (metric: string) => number): ExperimentReason[] {
  return rows.filter((r) => r.verdict === 'breached').map((r) => ({
    code: 'guardrail-breached',
    message: `guardrail ${r.metric} breached by ${r.variant}: ${liftText(r)}: all of it worse than the ${formatPercent(guardrailTolerance(r.metric), 1)} degradation tolerated`,
  }));
}

function primaryOutcome(input: ExperimentDecisionInput, breachedBy: ReadonlySet<string>): ExperimentDecision {
  const { primary, control } = input;
  const rows = input.rows.filter((r) => r.role === 'primary' && !r.isControl);
  const named = (verdict: string): ExperimentRow[] => rows.filter((r) => r.verdict === verdict);
  const [better, worse, equivalent] = [named('better'), named('worse'), named('equivalent')];
  const correction = input.treatments > 1 ? ` (Holm-adjusted over ${input.treatments} treatments)` : '';
  const evidence = (r: ExperimentRow): string => `${r.variant} ${liftText(r)}, p = ${formatP(r.adjustedPValue)}${correction}`;
  const inconclusive = (code: ExperimentReason['code'], message: string): ExperimentDecision =>
    ({ result: 'inconclusive', winner: null, reasons: [{ code, message }] });
  const [first] = better;
  if (better.length > 1) return inconclusive('conflicting', `${better.map((r) => r.variant).join(' and ')} ${better.length === 2 ? 'both' : 'all'} beat ${control} on ${primary.name}: ${better.map(evidence).join('; ')}; compare them with each other in a follow-up`);
  if (first !== undefined) {
    if (breachedBy.has(first.variant)) return inconclusive('guardrail-breached', `${first.variant} beats ${control} on ${primary.name} (${evidence(first)}) but breaches a guardrail`);
    return { result: 'winner', winner: first.variant, reasons: [{ code: 'winner', message: `${first.variant} beats ${control} on ${primary.name}: ${evidence(first)}` }] };
  }
  if (worse.length === rows.length) {
    return { result: 'winner', winner: control, reasons: [{ code: 'control-wins', message: `every treatment is worse than ${control} on ${primary.name}: ${worse.map(evidence).join('; ')}` }] };
  }
  const mde = primary.minimumDetectableEffect;
  if (mde !== undefined && equivalent.length === rows.length) {
    return { result: 'no difference', winner: null, reasons: [{ code: 'no-difference', message: `every treatment is within ±${formatPercent(mde, 1)} (the minimum detectable effect) of ${control} on ${primary.name}: ${equivalent.map(evidence).join('; ')}` }] };
  }
  if (worse.length > 0 && worse.length + equivalent.length === rows.length) {
    return inconclusive('conflicting', `${worse.map((r) => r.variant).join(', ')} ${worse.length === 1 ? 'is' : 'are'} worse than ${control} on ${primary.name} while ${equivalent.map((r) => r.variant).join(', ')} ${equivalent.length === 1 ? 'shows' : 'show'} no difference`);
  }
  if (mde === undefined) return inconclusive('no-minimum-detectable-effect', `no treatment is significantly better on ${primary.name}; set minimumDetectableEffect to be able to conclude "no difference"`);
  const unclear = rows.filter((r) => r.verdict === 'unclear');
  return inconclusive('not-significant', `no significant difference on ${primary.name}, and the intervals are not inside ±${formatPercent(mde, 1)}: ${unclear.map(evidence).join('; ')}`);
}

/** The result, the variant to promote and the reasons, by the rules in the module comment. */
export function decideExperiment(input: ExperimentDecisionInput, guardrailTolerance: (metric: string) => number): ExperimentDecision {
  const guardrails = guardrailReasons(input.rows, guardrailTolerance);
  const blocking = blockingReasons(input);
  if (blocking.length > 0) return { result: 'inconclusive', winner: null, reasons: [...blocking, ...guardrails] };
  const breachedBy = new Set(input.rows.filter((r) => r.verdict === 'breached').map((r) => r.variant));
  const outcome = primaryOutcome(input, breachedBy);
  return { ...outcome, reasons: [...outcome.reasons, ...guardrails] };
}
