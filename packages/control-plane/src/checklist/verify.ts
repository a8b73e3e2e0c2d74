import { EventType, type EventDraft, type MeasurementRecord, type Rollout, type Verification } from '@sluice/domain';
import { measureCheck } from '../analysis/measure-check.js';
import type { ProviderResolver } from '../providers/provider-factory.js';

/** One try of a verification: decided (passed or failed) or to be tried again at `nextAt`. */
export interface VerifyOutcome {
  readonly decision: 'passed' | 'failed' | 'retry';
  readonly detail: string;
  readonly nextAt: number;
  /** The decision-log entry of this measurement. */
  readonly event: EventDraft;
}

export interface VerifyInput {
  readonly verification: Verification;
  readonly rollout: Rollout;
  /** When this verification began: it fails once `withinMs` has passed without a pass. */
  readonly startedAt: number;
  readonly now: number;
  readonly source: 'checklist' | 'rollback';
  readonly step: number;
  readonly label: string;
  readonly providers: ProviderResolver;
  readonly signal: AbortSignal;
}

/**
 * Measures a verification once. A pass passes; a fast-path failure (a severe regression) fails at
 * once; anything else — a failing verdict, no data, an error, inconclusive — is tried again every
 * interval until `withinMs` is up, and then fails with the last reason.
 */
export async function verifyOnce(input: VerifyInput): Promise<VerifyOutcome> {
  const { verification: v, rollout, now } = input;
  const target = {
    service: rollout.spec.service,
    rollout: rollout.name,
    // After a rollback the stable version serves everyone: it is what a rollback verification checks.
    canary: input.source === 'rollback' ? rollout.status.stable : rollout.spec.target,
    stable: rollout.status.stable,
    args: {},
    now,
    startedAt: input.startedAt,
    defaultWindowMs: v.intervalMs,
    notBefore: input.startedAt,
  };
  const outcome = await measureCheck(v, target, input.providers, input.signal);
  const record: MeasurementRecord = { source: input.source, step: input.step, metric: input.label, ...outcome.record };
  const event: EventDraft = { type: EventType.AnalysisMeasured, to: record.result, reason: `${input.label}: ${record.reason}`, data: { ...record } };
  if (record.result === 'pass') return { decision: 'passed', detail: record.reason, nextAt: now, event };
  // A severe regression fails at once; any other failing verdict may be a state still converging.
  if (record.result === 'fail' && record.rule === 'fast-path') return { decision: 'failed', detail: record.reason, nextAt: now, event };
  const deadline = input.startedAt + v.withinMs;
  if (now + v.intervalMs > deadline) {
    return { decision: 'failed', detail: `no pass within ${v.withinMs / 1000}s; last: ${record.reason}`, nextAt: now, event };
  }
  return { decision: 'retry', detail: record.reason, nextAt: now + v.intervalMs, event };
}
