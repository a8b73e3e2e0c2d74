import { ErrorCode, SluiceError } from '../errors.js';
import type { Verdict } from './verdict.js';

/** Which way a change is bad: a higher canary (latency, errors), a lower one (throughput), or either. */
export type BaselineDirection = 'increase' | 'decrease' | 'either';

export interface BaselineInput {
  /** The canary's value of the metric; undefined or NaN means no measurement. */
  readonly canary: number | undefined;
  /** The baseline's value of the same metric over the same window. */
  readonly baseline: number | undefined;
}

export interface BaselineOptions {
  /** Which way is bad. Default 'increase'. */
  readonly direction?: BaselineDirection | undefined;
  /** How far (in the metric's own unit) the canary may be worse than the baseline. */
  readonly absoluteTolerance?: number | undefined;
  /** How far the canary may be worse, as a fraction of |baseline| (0.1 = 10 %). */
  readonly relativeTolerance?: number | undefined;
}

const DIRECTIONS: readonly BaselineDirection[] = ['increase', 'decrease', 'either'];

function checkOptions(options: BaselineOptions): void {
  const bad = (what: string, value: unknown): SluiceError =>
    new SluiceError(ErrorCode.INVALID_SPEC, `baseline comparison: ${what} must be a finite number ≥ 0, got ${String(value)}`, {
      problems: [{ message: `invalid ${what}`, found: String(value), expected: 'a finite number ≥ 0', path: what }],
    });
  const { direction, absoluteTolerance: abs, relativeTolerance: rel } = options;
  if (direction !== undefined && !DIRECTIONS.includes(direction)) {
    throw new SluiceError(ErrorCode.INVALID_SPEC, `baseline comparison: direction must be increase, decrease or either, got "${String(direction)}"`, {
      problems: [{ message: 'invalid direction', found: String(direction), expected: 'increase, decrease or either', path: 'direction' }],
    });
  }
  if (abs !== undefined && !(Number.isFinite(abs) && abs >= 0)) throw bad('absoluteTolerance', abs);
  if (rel !== undefined && !(Number.isFinite(rel) && rel >= 0)) throw bad('relativeTolerance', rel);
}

const fmt = (v: number): string => String(Number(v.toPrecision(6)));
const percent = (fraction: number): string => `${fmt(fraction * 100)} %`;

/**
 * How much worse the canary is than the baseline, in the metric's unit (positive = worse, ≤ 0 = not
 * worse), and a phrase saying which way it moved.
 */
function worsening(canary: number, baseline: number, direction: BaselineDirection): { amount: number; moved: string } {
  const up = canary - baseline;
  const moved = up > 0 ? 'above' : up < 0 ? 'below' : 'equal to';
  if (direction === 'increase') return { amount: up, moved };
  if (direction === 'decrease') return { amount: -up, moved };
  return { amount: Math.abs(up), moved };
}

/** The limit the worsening is compared with, and how to describe it. */
function limitOf(baseline: number, options: BaselineOptions): { limit: number; text: string } {
  const abs = options.absoluteTolerance;
  const rel = options.relativeTolerance;
  const relLimit = rel === undefined ? undefined : rel * Math.abs(baseline);
  const relText =
    rel === undefined ? '' : baseline === 0 ? `${percent(rel)} of a zero baseline, i.e. any worsening` : `${percent(rel)} of |baseline| = ${fmt(relLimit ?? 0)}`;
  if (abs === undefined && relLimit === undefined) return { limit: 0, text: 'no tolerance (any worsening fails)' };
  if (relLimit === undefined) return { limit: abs ?? 0, text: `absolute tolerance ${fmt(abs ?? 0)}` };
  if (abs === undefined) return { limit: relLimit, text: relText };
  return { limit: Math.max(abs, relLimit), text: `both absolute tolerance ${fmt(abs)} and ${relText}` };
}

/**
 * Compares one canary value with the baseline's. It fails when the canary is worse (in the bad
 * `direction`) by more than the tolerance, and passes otherwise:
 * - `absoluteTolerance` alone: fail when worse by more than it;
 * - `relativeTolerance` alone: fail when worse by more than that fraction of |baseline|. A baseline of 0
 *   gives a limit of 0, so any worsening fails (every increase over zero is infinitely large in relative
 *   terms); pair it with an absolute tolerance for metrics that can be 0, such as error rates;
 * - both: fail only when **both** are exceeded, i.e. when worse by more than the larger of the two, so a
 *   small absolute change on a tiny baseline, or a small relative change on a huge one, is not a failure;
 * - neither: no tolerance, any worsening fails.
 * A missing, NaN or infinite value on either side is inconclusive. Invalid options throw INVALID_SPEC.
 */
export function judgeBaseline(input: BaselineInput, options: BaselineOptions = {}): Verdict {
  checkOptions(options);
  const { canary, baseline } = input;
  const direction = options.direction ?? 'increase';
  const usable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  if (!usable(canary) || !usable(baseline)) {
    const side = !usable(canary) && !usable(baseline) ? 'both sides have' : !usable(canary) ? 'the canary has' : 'the baseline has';
    return { outcome: 'inconclusive', rule: 'baseline', reason: `${side} no usable value (canary ${String(canary)}, baseline ${String(baseline)})` };
  }
  const { amount, moved } = worsening(canary, baseline, direction);
  const { limit, text } = limitOf(baseline, options);
  const failed = amount > limit;
  const change = baseline === 0 ? '' : ` (${percent((canary - baseline) / Math.abs(baseline))})`;
  const where = `canary ${fmt(canary)} is ${moved} baseline ${fmt(baseline)}${change}`;
  const verdictText = failed
    ? `worse by ${fmt(amount)} where ${direction === 'either' ? 'a change' : direction === 'increase' ? 'an increase' : 'a decrease'} of more than ${fmt(limit)} fails`
    : amount > 0 ? `worse by ${fmt(amount)}, within ${text}` : `not worse (bad direction: ${direction})`;
  return {
    outcome: failed ? 'fail' : 'pass',
    rule: 'baseline',
    reason: `${where}: ${verdictText}${failed ? ` (${text})` : ''}`,
    statistic: amount,
    threshold: limit,
  };
}
