import { ErrorCode, SluiceError } from '../errors.js';
import { EventType, type EventDraft } from '../events/release-event.js';
import { Phase } from './phase.js';
import { enterPause, patchRollout, requestAbort } from './progress.js';
import { currentStep, isActive, type Hold, type Rollout, type RolloutChange } from './rollout.js';
import type { ApprovalRecord, ChecklistItemState, StepState } from './step-state.js';

/**
 * A person's decisions: `approve` lets an approval step (or a checklist instruction) go on, `reject`
 * aborts. Pure: the control plane stores the result with its events in one transaction.
 */

const MAX_COMMENT = 2_000;

function stateFor(rollout: Rollout, now: number): StepState {
  const s = rollout.status.stepState;
  return s !== undefined && s.stepIndex === rollout.status.stepIndex ? s : { stepIndex: rollout.status.stepIndex, startedAt: now };
}

function notWaiting(rollout: Rollout, what: string): SluiceError {
  return new SluiceError(
    ErrorCode.INVALID_TRANSITION,
    `Cannot approve rollout "${rollout.name}": ${what}. approve applies to an approval step or a checklist instruction waiting for a person (use promote to end a pause)`,
    { details: { rollout: rollout.name, phase: rollout.status.phase, step: rollout.status.stepIndex + 1, command: 'approve' } },
  );
}

function record(actor: string, comment: string | undefined, now: number): ApprovalRecord {
  const text = comment?.trim().slice(0, MAX_COMMENT);
  return { by: actor, at: now, ...(text ? { comment: text } : {}) };
}

/** The server-wide approval policy: `selfApproval: false` (sluice server --no-self-approval) unless a step says otherwise. */
export interface ApprovalPolicy {
  readonly selfApproval?: boolean;
}

/**
 * Whether `actor` may approve `step` of `rollout` being its author: the step's `allowAuthor` wins, then
 * the server's policy; allowed when neither says. Undefined when allowed, else why not (the FORBIDDEN message).
 */
export function selfApprovalRefusal(
  rollout: Pick<Rollout, 'name' | 'createdBy'>,
  step: { readonly allowAuthor?: boolean | undefined },
  actor: string,
  policy: ApprovalPolicy = {},
): string | undefined {
  if (rollout.createdBy === undefined || rollout.createdBy !== actor) return undefined;
  const allowed = step.allowAuthor ?? policy.selfApproval ?? true;
  if (allowed) return undefined;
  const rule = step.allowAuthor === false ? 'approval.allowAuthor: false' : 'sluice server --no-self-approval; a step may allow it with approval.allowAuthor: true';
  return `the rollout's author ${actor} may not approve it: approvals need another person (${rule})`;
}

/**
 * Approves what the rollout waits for: the current approval step, or (with `item`, or when exactly one
 * waits) a checklist instruction awaiting confirmation. FORBIDDEN when the step names approvers and the
 * actor is not one, or when the actor created the rollout and the step or `policy` forbids self-approval;
 * INVALID_TRANSITION when nothing waits for a person.
 */
export function approveStep(rollout: Rollout, actor: string, comment: string | undefined, item: string | undefined, now: number, policy: ApprovalPolicy = {}): RolloutChange {
  if (!isActive(rollout) || rollout.status.phase === Phase.Aborting || rollout.status.phase === Phase.Promoting) {
    throw notWaiting(rollout, `it is ${rollout.status.phase}`);
  }
  const step = currentStep(rollout);
  const state = stateFor(rollout, now);
  const approval = record(actor, comment, now);
  if (step?.kind === 'approval' || step?.kind === 'migrationContract') {
    if (step.approvers !== undefined && !step.approvers.includes(actor)) {
      throw new SluiceError(ErrorCode.FORBIDDEN, `"${actor}" may not approve step ${rollout.status.stepIndex + 1} of rollout "${rollout.name}": its approvers are ${step.approvers.join(', ')}`, {
        details: { rollout: rollout.name, actor, approvers: step.approvers },
      });
    }
    const refusal = selfApprovalRefusal(rollout, step, actor, policy);
    if (refusal !== undefined) {
      throw new SluiceError(ErrorCode.FORBIDDEN, `Cannot approve step ${rollout.status.stepIndex + 1} of rollout "${rollout.name}": ${refusal}`, {
        details: { rollout: rollout.name, actor, createdBy: rollout.createdBy, rule: step.allowAuthor === false ? 'approval.allowAuthor' : 'server --no-self-approval' },
        problems: [{ message: 'the author may not approve their own rollout', found: actor, expected: `an approver other than ${actor}` }],
      });
    }
    if (state.approval !== undefined) return { rollout, events: [] };
    const reason = `Step ${rollout.status.stepIndex + 1} approved by ${actor}${approval.comment ? `: ${approval.comment}` : ''}`;
    const event = approvalEvent('approved', reason, approval, rollout.status.stepIndex);
    return patchRollout(rollout, { stepState: { ...state, approval }, message: reason }, now, [event]);
  }
  if (step?.kind === 'checklist') return confirmItem(rollout, state, approval, item, now);
  throw notWaiting(rollout, step === undefined ? 'it has no current step' : `its current step is ${step.kind}`);
}

function confirmItem(rollout: Rollout, state: StepState, approval: ApprovalRecord, item: string | undefined, now: number): RolloutChange {
  const items = state.checklist ?? [];
  const waiting = items.filter((i) => i.phase === 'awaiting-person');
  const target = item === undefined ? (waiting.length === 1 ? waiting[0] : undefined) : waiting.find((i) => i.name === item);
  if (target === undefined) {
    const names = waiting.map((i) => i.name);
    const what = names.length === 0 ? 'no checklist item is waiting for a person' : item === undefined ? `several items wait (${names.join(', ')}): name one with --item` : `item "${item}" is not waiting for a person (waiting: ${names.join(', ')})`;
    throw notWaiting(rollout, what);
  }
  const next: ChecklistItemState[] = items.map((i) => (i.name === target.name ? { ...i, phase: 'pending', confirmed: approval, operatedAt: now } : i));
  const reason = `Checklist item "${target.name}" confirmed by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}`;
  const event = approvalEvent('approved', reason, approval, rollout.status.stepIndex, target.name);
  return patchRollout(rollout, { stepState: { ...state, checklist: next }, message: reason }, now, [event]);
}

/** Rejects the rollout: it aborts (traffic back to stable), with who and why recorded. */
export function rejectRollout(rollout: Rollout, actor: string, comment: string | undefined, now: number): RolloutChange {
  const approval = record(actor, comment, now);
  const reason = `Rejected by ${actor}${approval.comment ? `: ${approval.comment}` : ''}`;
  const aborted = requestAbort(rollout, 'user', reason, now);
  return { rollout: aborted.rollout, events: [approvalEvent('rejected', reason, approval, rollout.status.stepIndex), ...aborted.events] };
}

function approvalEvent(to: 'approved' | 'rejected', reason: string, approval: ApprovalRecord, step: number, item?: string): EventDraft {
  return {
    type: EventType.ApprovalRecorded,
    to,
    reason,
    data: { by: approval.by, step, ...(approval.comment ? { comment: approval.comment } : {}), ...(item === undefined ? {} : { item }) },
  };
}

/**
 * Holds the rollout until a person decides (an inconclusive or halted analysis): `promote` goes on,
 * `abort` rolls back. A Progressing rollout pauses; one already in a pause step keeps its pause (and
 * its deadline), and the hold keeps that pause from ending on its own.
 */
export function holdForPerson(rollout: Rollout, source: Hold['source'], reason: string, now: number): RolloutChange {
  if (rollout.status.phase === Phase.Progressing) {
    const paused = enterPause(rollout, undefined, now);
    const hold: Hold = { source, reason, at: now, paused: true };
    return patchRollout(paused.rollout, { message: reason, hold }, now, paused.events.map((e) => ({ ...e, reason })));
  }
  const event: EventDraft = { type: EventType.CommandAccepted, to: 'hold', reason };
  // Replacing a person's pause (a guard breach while paused): releasing the new hold resumes as resume would have.
  const paused = rollout.status.hold?.source === 'manual' && rollout.status.hold.paused;
  return patchRollout(rollout, { message: reason, hold: { source, reason, at: now, paused } }, now, [event]);
}
