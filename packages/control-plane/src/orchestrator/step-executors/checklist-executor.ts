import {
  EventType,
  patchRollout,
  requestAbort,
  type ChecklistItem,
  type ChecklistItemState,
  type ChecklistStep,
  type EventDraft,
  type RollbackCheckState,
  type Rollout,
  type RolloutChange,
  type StepState,
} from '@sluice/domain';
import { runOperation } from '../../checklist/run-operation.js';
import { verifyOnce } from '../../checklist/verify.js';
import type { ProviderResolver } from '../../providers/provider-factory.js';
import type { StepContext, StepExecutor, StepProgress } from '../step-executor.js';

export interface ChecklistDeps {
  readonly providers: ProviderResolver;
  /** Working directory of command operations. */
  readonly cwd?: string | undefined;
}

interface Pass {
  readonly step: ChecklistStep;
  readonly state: StepState;
  readonly items: readonly ChecklistItemState[];
  readonly index: number;
  readonly ctx: StepContext;
  readonly deps: ChecklistDeps;
}

function itemEvent(item: string, from: string, to: string, reason: string, step: number): EventDraft {
  return { type: EventType.ChecklistItemChanged, from, to, reason, data: { step, item } };
}

/** The rollout with item `index` replaced (and rollback checks owed, when its operation ran). */
function withItem(pass: Pass, next: ChecklistItemState, events: EventDraft[], extra: { rollbackChecks?: readonly RollbackCheckState[] } = {}): RolloutChange {
  const { ctx, state, items, index } = pass;
  const list = items.map((i, n) => (n === index ? next : i));
  const message = `Checklist item "${next.name}": ${next.phase}${next.detail === undefined ? '' : ` (${next.detail})`}`;
  return patchRollout(ctx.rollout, { stepState: { ...state, checklist: list }, message, ...extra }, ctx.now, events);
}

/** The item failed: record it and roll back, in one change. */
function failed(pass: Pass, item: ChecklistItemState, detail: string, events: EventDraft[]): StepProgress {
  const rollout = pass.ctx.rollout.status.stepIndex;
  const recorded = withItem(pass, { ...item, phase: 'failed', detail }, [...events, itemEvent(item.name, item.phase, 'failed', `Checklist item "${item.name}" failed: ${detail}`, rollout)]);
  const aborted = requestAbort(recorded.rollout, 'failure', `Checklist item "${item.name}" failed: ${detail}`, pass.ctx.now);
  return { kind: 'change', change: { rollout: aborted.rollout, events: [...recorded.events, ...aborted.events] } };
}

/** The operation is done (or there was none): verify next, or pass. Owes a rollback verification if it has one. */
function operated(pass: Pass, spec: ChecklistItem, item: ChecklistItemState, detail: string, events: EventDraft[]): StepProgress {
  const { ctx } = pass;
  const step = ctx.rollout.status.stepIndex;
  const owed = spec.rollbackVerification === undefined || spec.operation === undefined ? [] : [{ step, item: spec.name, phase: 'pending' as const }];
  const rollbackChecks = owed.length === 0 ? undefined : [...(ctx.rollout.status.rollbackChecks ?? []).filter((c) => !(c.step === step && c.item === spec.name)), ...owed];
  const extra = rollbackChecks === undefined ? {} : { rollbackChecks };
  const next: ChecklistItemState =
    spec.verification === undefined
      ? { ...item, phase: 'passed', operatedAt: item.operatedAt ?? ctx.now, detail }
      : // The first try waits one interval, so its window holds traffic from after the operation only.
        { ...item, phase: 'verifying', operatedAt: item.operatedAt ?? ctx.now, verifyStartedAt: ctx.now, nextAt: ctx.now + spec.verification.intervalMs, detail };
  const event = itemEvent(spec.name, item.phase, next.phase, `Checklist item "${spec.name}": ${detail}`, step);
  return { kind: 'change', change: withItem(pass, next, [...events, event], extra) };
}

async function operate(pass: Pass, spec: ChecklistItem, item: ChecklistItemState): Promise<StepProgress> {
  const op = spec.operation;
  if (op === undefined || item.operatedAt !== undefined) {
    return operated(pass, spec, item, item.confirmed === undefined ? 'no operation' : `confirmed by ${item.confirmed.by}`, []);
  }
  if (op.kind === 'instruction') {
    const step = pass.ctx.rollout.status.stepIndex;
    const reason = `Checklist item "${spec.name}" waits for a person: ${op.text} (sluice approve ${pass.ctx.rollout.name} --item ${spec.name})`;
    return { kind: 'change', change: withItem(pass, { ...item, phase: 'awaiting-person', detail: op.text }, [itemEvent(spec.name, item.phase, 'awaiting-person', reason, step)]) };
  }
  const outcome = await runOperation(op, pass.deps.cwd, pass.ctx.signal);
  return outcome.ok ? operated(pass, spec, item, outcome.detail, []) : failed(pass, item, outcome.detail, []);
}

async function verify(pass: Pass, spec: ChecklistItem, item: ChecklistItemState): Promise<StepProgress> {
  const { ctx } = pass;
  const verification = spec.verification;
  if (verification === undefined) return operated(pass, spec, item, item.detail ?? 'no verification', []);
  if (item.nextAt !== undefined && item.nextAt > ctx.now) return { kind: 'wait', why: `Checklist item "${spec.name}": verifying (${item.detail ?? ''})`, until: item.nextAt };
  const step = ctx.rollout.status.stepIndex;
  const outcome = await verifyOnce({
    verification, rollout: ctx.rollout, startedAt: item.verifyStartedAt ?? ctx.now, now: ctx.now, source: 'checklist', step, label: spec.name, providers: pass.deps.providers, signal: ctx.signal,
  });
  if (outcome.decision === 'failed') return failed(pass, item, `verification: ${outcome.detail}`, [outcome.event]);
  if (outcome.decision === 'retry') return { kind: 'change', change: withItem(pass, { ...item, nextAt: outcome.nextAt, detail: outcome.detail }, [outcome.event]) };
  const event = itemEvent(spec.name, 'verifying', 'passed', `Checklist item "${spec.name}" verified: ${outcome.detail}`, step);
  return { kind: 'change', change: withItem(pass, { ...item, phase: 'passed', detail: outcome.detail }, [outcome.event, event]) };
}

function start(step: ChecklistStep, ctx: StepContext): StepProgress {
  const index = ctx.rollout.status.stepIndex;
  const items: ChecklistItemState[] = step.items.map((i) => ({ name: i.name, phase: 'pending' }));
  const reason = `Checklist started: ${step.items.map((i) => i.name).join(', ')}`;
  const change = patchRollout(ctx.rollout, { stepState: { stepIndex: index, startedAt: ctx.now, checklist: items }, message: reason }, ctx.now, [
    { type: EventType.StepStarted, reason, data: { step: index, kind: 'checklist' } },
  ]);
  return { kind: 'change', change };
}

function stateOf(rollout: Rollout): StepState | undefined {
  const s = rollout.status.stepState;
  return s !== undefined && s.stepIndex === rollout.status.stepIndex && s.checklist !== undefined ? s : undefined;
}

/**
 * checklist: items in order, each an operation (command, HTTP call, or a person's instruction) then a
 * verification (any provider and judge). The step passes when every item has; the first failure rolls
 * back. Operations run at least once and may run again after a crash, so they should be idempotent.
 */
export function createChecklistExecutor(deps: ChecklistDeps): StepExecutor<ChecklistStep> {
  return {
    kind: 'checklist',
    async advance(step, ctx): Promise<StepProgress> {
      const state = stateOf(ctx.rollout);
      if (state === undefined) return start(step, ctx);
      const items = state.checklist ?? [];
      const index = items.findIndex((i) => i.phase !== 'passed');
      if (index < 0) return { kind: 'done', why: `all ${items.length} checklist items passed` };
      const item = items[index];
      const spec = step.items.find((i) => i.name === item?.name);
      if (item === undefined || spec === undefined) return { kind: 'wait', why: 'Checklist state does not match the step; waiting for a person' };
      const pass: Pass = { step, state, items, index, ctx, deps };
      if (item.phase === 'failed') return failed(pass, item, item.detail ?? 'failed', []);
      if (item.phase === 'awaiting-person') return { kind: 'wait', why: `Checklist item "${item.name}" waits for a person (sluice approve ${ctx.rollout.name} --item ${item.name})` };
      if (item.phase === 'verifying') return verify(pass, spec, item);
      return operate(pass, spec, item);
    },
  };
}
