import { EventType, patchRollout, type ApprovalStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';

/**
 * approval: records that the step waits for a person, then waits for `sluice approve` (which stores
 * who, when and why in the step's state) — `sluice reject` aborts instead. Nothing times out on its own;
 * the rollout's history shows how long it waited.
 */
export const approvalExecutor: StepExecutor<ApprovalStep> = {
  kind: 'approval',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout, now } = ctx;
    const index = rollout.status.stepIndex;
    const state = rollout.status.stepState?.stepIndex === index ? rollout.status.stepState : undefined;
    const who = step.approvers === undefined ? 'anyone' : step.approvers.join(' or ');
    if (state === undefined) {
      const reason = `Waiting for approval by ${who}${step.message === undefined ? '' : `: ${step.message}`} (sluice approve ${rollout.name})`;
      const event = { type: EventType.StepStarted, reason, data: { step: index, kind: 'approval' } };
      return { kind: 'change', change: patchRollout(rollout, { stepState: { stepIndex: index, startedAt: now }, message: reason }, now, [event]) };
    }
    if (state.approval !== undefined) {
      const comment = state.approval.comment === undefined ? '' : `: ${state.approval.comment}`;
      return { kind: 'done', why: `approved by ${state.approval.by}${comment}` };
    }
    return { kind: 'wait', why: `Waiting for approval by ${who} (sluice approve ${rollout.name}, or sluice reject)` };
  },
};
