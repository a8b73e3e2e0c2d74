import {
  closeRun,
  EventType,
  holdForPerson,
  nextDue,
  patchRollout,
  requestAbort,
  startRun,
  type AnalysisRunState,
  type AnalysisStep,
  type EventDraft,
  type Rollout,
  type RolloutChange,
  type StepState,
} from '@sluice/domain';
import { decidedEvent, measureDue, resolvedFor, type AnalysisDeps } from '../../analysis/run-analysis.js';
import type { StepExecutor, StepProgress } from '../step-executor.js';

function currentState(rollout: Rollout): StepState | undefined {
  const s = rollout.status.stepState;
  return s !== undefined && s.stepIndex === rollout.status.stepIndex ? s : undefined;
}

function withRun(rollout: Rollout, state: StepState, run: AnalysisRunState, now: number, events: EventDraft[]): StepProgress {
  const message = run.status === 'running' ? `Analysis: ${run.reason}` : `Analysis ${run.status}: ${run.reason}`;
  return { kind: 'change', change: patchRollout(rollout, { stepState: { ...state, analysis: run }, message }, now, events) };
}

/** Combines two changes made one after the other: the second's rollout, both sets of events. */
function chain(first: RolloutChange, then: (r: Rollout) => RolloutChange): RolloutChange {
  const second = then(first.rollout);
  return { rollout: second.rollout, events: [...first.events, ...second.events] };
}

/** What a decided run means for the rollout. */
function decided(rollout: Rollout, run: AnalysisRunState, now: number): StepProgress {
  if (run.status === 'passed') {
    // The target has passed an analysis: the exposure budget no longer caps it.
    if (!rollout.status.verified) return { kind: 'change', change: patchRollout(rollout, { verified: true }, now, []) };
    return { kind: 'done', why: `analysis passed (${run.reason})` };
  }
  if (run.status === 'failed') return { kind: 'change', change: requestAbort(rollout, 'failure', `Analysis failed: ${run.reason}`, now) };
  const { hold, holdReleased } = rollout.status;
  if (holdReleased === 'analysis') return { kind: 'done', why: `promoted by a person past an ${run.status} analysis (${run.reason})` };
  if (hold !== undefined) return { kind: 'wait', why: `${hold.reason} (waiting for a person)` };
  const reason = `Analysis ${run.status} at step ${rollout.status.stepIndex + 1}: ${run.reason}. Promote to go on, or abort to roll back`;
  return { kind: 'change', change: holdForPerson(rollout, 'analysis', reason, now) };
}

/**
 * analysis: measures every metric of its templates on schedule, folding verdicts into gates, until the
 * run decides — passed (next step), failed (roll back), inconclusive or halted (wait for a person). Each
 * measurement is committed with its decision-log event, so a restart resumes the same gates.
 */
export function createAnalysisExecutor(deps: AnalysisDeps): StepExecutor<AnalysisStep> {
  return {
    kind: 'analysis',
    async advance(step, ctx): Promise<StepProgress> {
      const { rollout, now } = ctx;
      const state = currentState(rollout);
      const resolved = await resolvedFor(state?.analysis, step, deps);
      if (state?.analysis === undefined) {
        const run = startRun(resolved.metrics, now, resolved.args);
        const reason = `Analysis started: ${resolved.metrics.map((m) => m.key).join(', ')}${step.durationMs === undefined ? '' : ` for ${step.durationMs / 1000}s`}`;
        return withRun(rollout, { stepIndex: rollout.status.stepIndex, startedAt: now }, run, now, [{ type: EventType.StepStarted, reason, data: { step: rollout.status.stepIndex, kind: 'analysis' } }]);
      }
      const run = state.analysis;
      if (run.status !== 'running') return decided(rollout, run, now);
      const endsAt = step.durationMs === undefined ? undefined : state.startedAt + step.durationMs;
      if (endsAt !== undefined && now >= endsAt) {
        const closed = closeRun(run);
        return withRun(rollout, state, closed, now, closed.status === 'running' ? [] : [decidedEvent(closed, 'step')]);
      }
      const measured = await measureDue(run, resolved, { rollout, service: rollout.spec.service, source: 'step', now, signal: ctx.signal }, deps);
      if (measured.events.length > 0) return measuredProgress(rollout, state, measured.run, now, measured.events);
      const until = Math.min(nextDue(run) ?? Infinity, endsAt ?? Infinity);
      return { kind: 'wait', why: `Analysis: ${run.reason}`, ...(Number.isFinite(until) ? { until } : {}) };
    },
  };
}

/** Commits the measurements; a failed run also starts the rollback in the same change. */
function measuredProgress(rollout: Rollout, state: StepState, run: AnalysisRunState, now: number, events: EventDraft[]): StepProgress {
  const progress = withRun(rollout, state, run, now, events);
  if (progress.kind !== 'change' || run.status !== 'failed') return progress;
  return { kind: 'change', change: chain(progress.change, (r) => requestAbort(r, 'failure', `Analysis failed: ${run.reason}`, now)) };
}
