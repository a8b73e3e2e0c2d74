import type { ReleaseEvent } from './rollout-api';

/** The events of one step (or of the start, or of the end), oldest first. */
export interface EventGroup {
  /** -1: before the first step; steps.length: after the last one. */
  readonly step: number;
  readonly label: string;
  readonly events: ReleaseEvent[];
}

function stepOf(event: ReleaseEvent): number | undefined {
  const step = event.data?.['step'];
  return typeof step === 'number' && Number.isInteger(step) && step >= 0 ? step : undefined;
}

/**
 * Events grouped by the step they happened in: an event naming a step (`data.step`) belongs to it;
 * others to the step running then (the one after the last StepCompleted). O(n), so 10,000 events regroup
 * in a millisecond or two.
 */
export function groupByStep(events: readonly ReleaseEvent[], descriptions: readonly string[]): EventGroup[] {
  const groups = new Map<number, EventGroup>();
  const total = descriptions.length;
  const label = (step: number) => (step < 0 ? 'Start' : step >= total ? 'Promotion and end' : `Step ${step + 1}/${total}: ${descriptions[step]}`);
  let current = -1;
  for (const event of events) {
    const named = stepOf(event);
    if (event.type === 'RolloutCreated') current = -1;
    else if (current < 0 && (event.type === 'StepStarted' || event.type === 'WeightChanged' || event.type === 'PhaseChanged')) current = 0;
    const step = Math.min(named ?? current, total);
    let group = groups.get(step);
    if (group === undefined) {
      group = { step, label: label(step), events: [] };
      groups.set(step, group);
    }
    group.events.push(event);
    if (event.type === 'StepCompleted' && named !== undefined) current = named + 1;
  }
  return [...groups.values()].sort((a, b) => a.step - b.step);
}
