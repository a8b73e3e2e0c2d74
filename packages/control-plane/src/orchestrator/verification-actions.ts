import {
  EventType,
  holdForPerson,
  nextDue,
  patchRollout,
  Phase,
  requestAbort,
  restartUndecided,
  startRun,
  type EventDraft,
  type RollbackCheckState,
  type Rollout,
  type RolloutChange,
  type Verification,
} from '@sluice/domain';
import { measureDue, resolvedFor, type AnalysisDeps } from '../analysis/run-analysis.js';
import { verifyOnce } from '../checklist/verify.js';

/** What a verification action wants: a change to commit, to wait, or nothing (the pass goes on). */
export type VerificationAction =
  | { readonly kind: 'change'; readonly change: RolloutChange }
  | { readonly kind: 'wait'; readonly why: string; readonly until?: number }
  | { readonly kind: 'none'; readonly until?: number };

const NONE: VerificationAction = { kind: 'none' };

/** Whether the background analysis covers the rollout now: from its step until the steps are done. */
function backgroundActive(rollout: Rollout): boolean {
  const bg = rollout.spec.analysis?.background;
  const { phase, stepIndex } = rollout.status;
  return bg !== undefined && (phase === Phase.Progressing || phase === Phase.Paused) && stepIndex >= bg.fromStep;
}

/**
 * The background analysis (Argo's canary.analysis): measures beside the steps from `fromStep` on. A
 * failure rolls back at once; inconclusive or halted holds the rollout for a person, and a promote
 * restarts the undecided gates and lets the steps go on.
 */
export async function backgroundAnalysis(rollout: Rollout, deps: AnalysisDeps | undefined, now: number, signal: AbortSignal): Promise<VerificationAction> {
  const bg = rollout.spec.analysis?.background;
  if (bg === undefined || !backgroundActive(rollout)) return NONE;
  if (deps === undefined) return { kind: 'wait', why: 'Background analysis is configured but this control plane has no metric providers' };
  const run = rollout.status.background;
  const resolved = await resolvedFor(run, bg, deps);
  if (run === undefined) {
    const started = startRun(resolved.metrics, now, resolved.args);
    const event: EventDraft = { type: EventType.StepStarted, reason: `Background analysis started: ${resolved.metrics.map((m) => m.key).join(', ')}`, data: { step: rollout.status.stepIndex, kind: 'background-analysis' } };
    return { kind: 'change', change: patchRollout(rollout, { background: started }, now, [event]) };
  }
  if (run.status === 'failed') {
    // Past the point of no return a person went on after the failure: the background analysis starts afresh.
    if (rollout.status.holdReleased === 'irreversible') return { kind: 'change', change: patchRollout(rollout, { background: startRun(resolved.metrics, now, resolved.args), holdReleased: undefined }, now, []) };
    return { kind: 'change', change: requestAbort(rollout, 'failure', `Background analysis failed: ${run.reason}`, now) };
  }
  if (run.status === 'inconclusive' || run.status === 'halted') {
    const { hold, holdReleased } = rollout.status;
    if (holdReleased === 'background') {
      const restarted = restartUndecided(run, resolved.metrics, now);
      const reason = `Background analysis goes on after a person's promote; its undecided metrics start over`;
      return { kind: 'change', change: patchRollout(rollout, { background: restarted, holdReleased: undefined, message: reason }, now, []) };
    }
    if (hold !== undefined) return { kind: 'wait', why: `${hold.reason} (waiting for a person)` };
    return { kind: 'change', change: holdForPerson(rollout, 'background', `Background analysis ${run.status}: ${run.reason}. Promote to go on, or abort to roll back`, now) };
  }
  if (run.status === 'passed' && !rollout.status.verified) return { kind: 'change', change: patchRollout(rollout, { verified: true }, now, []) };
  if (run.status !== 'running') return NONE;
  const measured = await measureDue(run, resolved, { rollout, service: rollout.spec.service, source: 'background', now, signal }, deps);
  if (measured.events.length === 0) {
    const due = nextDue(run);
    return due === undefined ? NONE : { kind: 'none', until: due };
  }
  const change = patchRollout(rollout, { background: measured.run }, now, measured.events);
  if (measured.run.status !== 'failed') return { kind: 'change', change };
  const aborted = requestAbort(change.rollout, 'failure', `Background analysis failed: ${measured.run.reason}`, now);
  return { kind: 'change', change: { rollout: aborted.rollout, events: [...change.events, ...aborted.events] } };
}

function verificationOf(rollout: Rollout, check: RollbackCheckState): Verification | undefined {
  const step = rollout.spec.strategy.steps[check.step];
  if (step?.kind !== 'checklist') return undefined;
  return step.items.find((i) => i.name === check.item)?.rollbackVerification;
}

/**
 * During an abort, once traffic is back on stable: runs the rollback verification of every checklist
 * item whose operation ran. Returns `none` when all are decided (the abort may finish).
 */
export async function rollbackChecks(rollout: Rollout, deps: AnalysisDeps | undefined, now: number, signal: AbortSignal): Promise<VerificationAction> {
  const checks = rollout.status.rollbackChecks ?? [];
  const index = checks.findIndex((c) => c.phase === 'pending');
  const check = checks[index];
  if (check === undefined) return NONE;
  const verification = verificationOf(rollout, check);
  const replace = (next: RollbackCheckState, events: EventDraft[]) =>
    patchRollout(rollout, { rollbackChecks: checks.map((c, n) => (n === index ? next : c)), message: `Rollback verification of "${check.item}": ${next.phase}` }, now, events);
  if (verification === undefined || deps === undefined) {
    const why = verification === undefined ? 'the item no longer has a rollback verification' : 'no metric providers';
    return { kind: 'change', change: replace({ ...check, phase: 'failed', detail: why }, []) };
  }
  // The first try waits one interval: its window then holds traffic from after the rollback only.
  if (check.startedAt === undefined) return { kind: 'change', change: replace({ ...check, startedAt: now, nextAt: now + verification.intervalMs }, []) };
  if (check.nextAt !== undefined && check.nextAt > now) return { kind: 'wait', why: `Rollback verification of "${check.item}": ${check.detail ?? 'waiting'}`, until: check.nextAt };
  const outcome = await verifyOnce({ verification, rollout, startedAt: check.startedAt, now, source: 'rollback', step: check.step, label: `${check.item} (rollback)`, providers: deps.providers, signal });
  if (outcome.decision === 'retry') return { kind: 'change', change: replace({ ...check, nextAt: outcome.nextAt, detail: outcome.detail }, [outcome.event]) };
  const reason = `Rollback verification of "${check.item}" ${outcome.decision}: ${outcome.detail}`;
  const event: EventDraft = { type: EventType.ChecklistItemChanged, from: 'pending', to: `rollback-${outcome.decision}`, reason, data: { step: check.step, item: check.item } };
  return { kind: 'change', change: replace({ ...check, phase: outcome.decision, detail: outcome.detail }, [outcome.event, event]) };
}

/** A sentence about failed rollback verifications for the abort's final message, or undefined. */
export function rollbackFailures(rollout: Rollout): string | undefined {
  const failed = (rollout.status.rollbackChecks ?? []).filter((c) => c.phase === 'failed');
  if (failed.length === 0) return undefined;
  return `rollback verification failed for ${failed.map((c) => `"${c.item}" (${c.detail ?? 'failed'})`).join(', ')}`;
}
