import type { ReleaseEvent } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
import { formatClock } from './time.js';

/** Where a followed rollout stands, as its log lines show it: step n/N and the weight on the target. */
export interface RunProgress {
  /** 1-based step being run; equals `steps` once every step is done. */
  readonly step: number;
  readonly steps: number;
  readonly weight: number;
}

/** An event as `rollout run -o json` lists it: what happened, without its evidence. */
export interface CompactEvent {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly actor: string;
  readonly from?: string;
  readonly to?: string;
  readonly reason: string;
}

/** Too many to log: one per measurement. Their verdicts arrive as AnalysisDecided. */
const UNLOGGED: ReadonlySet<string> = new Set(['AnalysisMeasured']);

export function progressOf(view: RolloutView): RunProgress {
  const steps = view.steps.length;
  return { step: Math.min(view.status.stepIndex + 1, steps), steps, weight: view.status.canaryWeight };
}

/** The progress after `event`: a weight change moves the weight, a completed step the step. Per-target events (waves) move neither. */
export function advanceProgress(progress: RunProgress, event: ReleaseEvent): RunProgress {
  const data = event.data ?? {};
  if (data['target'] !== undefined || data['kind'] === 'target') return progress;
  if (event.type === 'WeightChanged') {
    const weight = Number(event.to);
    return Number.isFinite(weight) ? { ...progress, weight } : progress;
  }
  if (event.type === 'StepCompleted' && typeof data['step'] === 'number') {
    return { ...progress, step: Math.min(data['step'] + 2, progress.steps) };
  }
  return progress;
}

/** Whether `rollout run` logs the event (measurements are left out: their verdicts are logged). */
export function isLogged(event: ReleaseEvent): boolean {
  return !UNLOGGED.has(event.type);
}

/** What happened, in a few words: "phase Paused → Progressing: …", "guard error-rate breached (rollback): …". */
export function runEventText(event: ReleaseEvent): string {
  const { from, to, reason } = event;
  switch (event.type) {
    case 'PhaseChanged':
      return `phase ${from ?? '?'} → ${to ?? '?'}: ${reason}`;
    case 'WeightChanged':
      return `weight ${from ?? '?'}% → ${to ?? '?'}%`;
    case 'AnalysisDecided':
      return `analysis ${to ?? 'decided'}: ${reason}`;
    case 'GuardBreached':
      return `guard ${from === undefined ? '' : `${from} `}breached (${to ?? '?'}): ${reason}`;
    case 'ApprovalRecorded':
      return `${to ?? 'approval'} by ${event.actor}: ${reason}`;
    case 'CommandAccepted':
      return `${event.actor} ran ${to ?? 'a command'}: ${reason}`;
    case 'StepStarted':
    case 'StepCompleted':
    case 'RollbackProgressed':
      return reason;
    default:
      return [event.type, from !== undefined || to !== undefined ? `${from ?? ''}→${to ?? ''}` : '', reason].filter((s) => s !== '').join(' ');
  }
}

/** "[step 2/7 20%]": the prefix of every progress line. */
export function progressTag(progress: RunProgress): string {
  return `[step ${progress.step}/${progress.steps} ${progress.weight}%]`;
}

/** One event as a CI log line: "14:03:07 [step 2/7 20%] phase Progressing → Paused: Paused at step 2 for 30s". */
export function runLogLine(event: ReleaseEvent, progress: RunProgress): string {
  return `${formatClock(event.at)} ${progressTag(progress)} ${runEventText(event)}`;
}

export function compactEvent(event: ReleaseEvent): CompactEvent {
  const { seq, at, type, actor, from, to, reason } = event;
  return { seq, at, type, actor, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), reason };
}

/**
 * What the rollout waits for a person to do, with the command that does it; undefined when nothing
 * waits for a person (a timed pause, a running analysis, a weight being applied).
 */
export function personWait(view: RolloutView): string | undefined {
  const { name, status } = view;
  const current = view.steps[status.stepIndex];
  if (status.phase === 'Aborting' || status.phase === 'Pending') return undefined;
  if (status.hold?.source === 'manual') return `paused by a person (${status.hold.reason}): \`sluice resume ${name}\` goes on, \`sluice abort ${name}\` rolls back`;
  if (status.hold) return `held for a person (${status.hold.reason}): \`sluice promote ${name}\` goes on, \`sluice abort ${name}\` rolls back`;
  const state = status.stepState?.stepIndex === status.stepIndex ? status.stepState : undefined;
  const item = state?.checklist?.find((i) => i.phase === 'awaiting-person');
  if (item) return `checklist item ${item.name} waits for a person: \`sluice approve ${name} --item ${item.name}\` confirms it`;
  if (current?.kind === 'approval' && state?.approval === undefined) return `step ${status.stepIndex + 1} waits for an approval: \`sluice approve ${name}\` or \`sluice reject ${name}\``;
  if (status.phase === 'Paused' && status.pauseUntil === undefined) return `paused at step ${status.stepIndex + 1} until promoted: \`sluice promote ${name}\` goes on, \`sluice abort ${name}\` rolls back`;
  return undefined;
}

/** "14:03:07 [step 3/7 20%] waiting for a person: paused at step 3 until promoted: `sluice promote shop-v2` …". */
export function waitLogLine(wait: string, progress: RunProgress, now: number): string {
  return `${formatClock(now)} ${progressTag(progress)} waiting for a person: ${wait}`;
}
