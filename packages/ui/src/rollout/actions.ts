import type { RolloutView, ServiceView } from './rollout-api';

export type ActionKind = 'promote' | 'promote-full' | 'pause' | 'resume' | 'approve' | 'reject' | 'abort' | 'undo';

/** One button: an action, and for a checklist instruction the item it confirms. */
export interface Action {
  readonly kind: ActionKind;
  readonly item?: string;
}

const RUNNING = new Set(['Pending', 'Progressing', 'Paused']);

/** Instructions of the current checklist that wait for a person's confirmation. */
export function awaitingItems(view: RolloutView): string[] {
  const state = view.status.stepState;
  if (state === undefined || state.stepIndex !== view.status.stepIndex) return [];
  return (state.checklist ?? []).filter((i) => i.phase === 'awaiting-person').map((i) => i.name);
}

/** Whether the current step waits for an approval (an approval step, or a schema contract's). */
export function awaitsApproval(view: RolloutView): boolean {
  const step = view.spec.strategy.steps[view.status.stepIndex];
  if (step?.kind !== 'approval' && step?.kind !== 'migrationContract') return false;
  const state = view.status.stepState;
  return !(state?.stepIndex === view.status.stepIndex && state.approval !== undefined);
}

/** The actions that apply to the rollout as it is now, in the order the page shows them. */
export function availableActions(view: RolloutView, service: ServiceView | undefined): Action[] {
  const { phase } = view.status;
  const out: Action[] = [];
  if (RUNNING.has(phase)) {
    if (awaitsApproval(view)) out.push({ kind: 'approve' }, { kind: 'reject' });
    for (const item of awaitingItems(view)) out.push({ kind: 'approve', item });
    if (phase === 'Paused' || view.status.hold !== undefined) out.push({ kind: 'promote' });
    out.push({ kind: 'promote-full' });
    out.push(phase === 'Paused' ? { kind: 'resume' } : { kind: 'pause' });
    out.push({ kind: 'abort' });
  }
  if (phase === 'Succeeded' && service !== undefined && service.activeRollout === undefined) out.push({ kind: 'undo' });
  return out;
}

const LABELS: Readonly<Record<ActionKind, string>> = {
  promote: 'Promote',
  'promote-full': 'Promote fully',
  pause: 'Pause',
  resume: 'Resume',
  approve: 'Approve',
  reject: 'Reject',
  abort: 'Abort',
  undo: 'Undo',
};

/** The button's text: "Approve", "Confirm warm-cache". */
export function actionLabel(action: Action): string {
  return action.item === undefined ? LABELS[action.kind] : `Confirm ${action.item}`;
}

/** Destructive actions get the red button. */
export function isDanger(kind: ActionKind): boolean {
  return kind === 'abort' || kind === 'reject' || kind === 'undo';
}
