import type { GateStatus } from './gate.js';
import type { Verdict } from './verdict.js';

/**
 * One entry of the decision log: a measurement and its verdict, with the evidence a person needs to
 * check it — the queries as they ran, the window, both sides' values and sample sizes, the statistic,
 * p-value or interval, the threshold and the rule that fired. Stored as the `data` of an
 * AnalysisMeasured event, in the same transaction as the gate state it changed.
 */
export interface MeasurementRecord {
  /** What asked for it: a blocking analysis step, the background analysis, a checklist verification, a rollback verification. */
  readonly source: 'step' | 'background' | 'checklist' | 'rollback' | 'guard';
  /** 0-based index of the step (for background: the step the rollout was at). */
  readonly step: number;
  /** `template/metric`, or `item` (checklist), or `item (rollback)`. */
  readonly metric: string;
  readonly provider: string;
  readonly judge: string;
  readonly window: { readonly fromMs: number; readonly toMs: number };
  /** The queries as they ran, by role ("canary", "stable", "canary requests" …). */
  readonly queries: Readonly<Record<string, string>>;
  /** verdict outcome, or "error" / "no-data" when there was nothing to judge. */
  readonly result: 'pass' | 'fail' | 'inconclusive' | 'error' | 'no-data';
  readonly rule?: string;
  readonly reason: string;
  readonly canary?: Verdict['canary'];
  readonly stable?: Verdict['baseline'];
  readonly statistic?: number;
  readonly pValue?: number;
  readonly interval?: readonly [number, number];
  readonly threshold?: number;
  /** The metric's gate after this measurement (analysis only). */
  readonly gate?: GateStatus;
}

/** The fields a verdict gives a record: outcome, rule, reason and the evidence (non-finite numbers dropped). */
export type VerdictFields = Pick<MeasurementRecord, 'result' | 'rule' | 'reason' | 'canary' | 'stable' | 'statistic' | 'pValue' | 'interval' | 'threshold'>;

export function verdictFields(verdict: Verdict): VerdictFields {
  const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  return {
    result: verdict.outcome,
    rule: verdict.rule,
    reason: verdict.reason,
    ...(verdict.canary === undefined ? {} : { canary: verdict.canary }),
    ...(verdict.baseline === undefined ? {} : { stable: verdict.baseline }),
    ...(finite(verdict.statistic) ? { statistic: verdict.statistic } : {}),
    ...(finite(verdict.pValue) ? { pValue: verdict.pValue } : {}),
    ...(verdict.interval === undefined ? {} : { interval: verdict.interval }),
    ...(finite(verdict.threshold) ? { threshold: verdict.threshold } : {}),
  };
}
