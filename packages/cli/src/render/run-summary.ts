import { formatDuration, type ReleaseEvent } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
import { compactEvent, type CompactEvent, type RunProgress } from './run-log.js';

export type RunOutcome = 'succeeded' | 'rolled-back' | 'timeout';

/** What `sluice rollout run --wait -o json` prints at the end: one object. */
export interface RunReport {
  readonly rollout: string;
  readonly service: string;
  readonly phase: string;
  readonly outcome: RunOutcome;
  readonly durationMs: number;
  readonly steps: number;
  readonly stepsDone: number;
  readonly reason?: string;
  readonly events: readonly CompactEvent[];
}

export function outcomeOf(view: RolloutView): RunOutcome | undefined {
  if (view.status.phase === 'Succeeded') return 'succeeded';
  if (view.status.phase === 'Aborted' || view.status.phase === 'Failed') return 'rolled-back';
  return undefined;
}

export function stepsDone(view: RolloutView): number {
  if (view.status.phase === 'Succeeded') return view.steps.length;
  return view.steps.filter((s) => s.state === 'done').length;
}

/**
 * Why a rollout rolled back: the reason of the event that started it (the first PhaseChanged to
 * Aborting or Failed), with who asked when it was not the controller; else the rollout's last message.
 */
export function rollbackReason(view: RolloutView, events: readonly ReleaseEvent[]): string {
  const start = events.find((e) => e.type === 'PhaseChanged' && (e.to === 'Aborting' || e.to === 'Failed' || e.to === 'Aborted'));
  if (start === undefined) return view.status.message ?? `the rollout ended ${view.status.phase}`;
  return start.actor === 'controller' ? start.reason : `${start.reason} (by ${start.actor})`;
}

export function runReport(input: {
  readonly view: RolloutView;
  readonly outcome: RunOutcome;
  readonly durationMs: number;
  readonly events: readonly ReleaseEvent[];
  readonly reason?: string | undefined;
}): RunReport {
  const { view } = input;
  return {
    rollout: view.name,
    service: view.spec.service,
    phase: view.status.phase,
    outcome: input.outcome,
    durationMs: input.durationMs,
    steps: view.steps.length,
    stepsDone: stepsDone(view),
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    events: input.events.map(compactEvent),
  };
}

/** "rollout/shop-v2 succeeded in 42s: v2 is stable (3/3 steps done)". */
export function succeededLine(view: RolloutView, durationMs: number): string {
  return `rollout/${view.name} succeeded in ${formatDuration(durationMs)}: ${view.spec.target} is stable (${stepsDone(view)}/${view.steps.length} steps done)`;
}

/** "rollout/shop-v2 ended Aborted after 8s, all traffic back on v1 (2/3 steps done): REASON". */
export function rolledBackLine(view: RolloutView, durationMs: number, reason: string): string {
  const done = `${stepsDone(view)}/${view.steps.length} steps done`;
  return `rollout/${view.name} ended ${view.status.phase} after ${formatDuration(durationMs)}, all traffic back on ${view.status.stable} (${done}): ${reason}`;
}

/** Where a rollout that goes on without us stands: "Paused at step 2/3, 10% on v2". */
export function standingText(phase: string, progress: RunProgress, target: string): string {
  return `${phase} at step ${progress.step}/${progress.steps}, ${progress.weight}% on ${target}`;
}

/** What to run next for a rollout left running. */
export function leftRunningHint(name: string): string {
  return `follow it with \`sluice status ${name} --watch\`, abort it with \`sluice abort ${name}\``;
}
