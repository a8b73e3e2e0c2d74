// Step latency from the events the store recorded: when each step actually started minus when it
// became due. Pure functions (measure.test.ts).
import { EventType, Phase, type ReleaseEvent } from '@sluice/domain';

/** One step of one rollout that fell due. `started` is undefined when it had not started by the end. */
export interface StepSample {
  readonly rollout: string;
  readonly step: number;
  readonly due: number;
  readonly started: number | undefined;
  /** Due at a pause's end (a timer), rather than right after the previous step completed. */
  readonly afterPause: boolean;
}

interface Cursor {
  step: number;
  due: number | undefined;
  afterPause: boolean;
  pauseUntil: number | undefined;
}

/**
 * Folds rollout events (in seq order, any page size) into step samples. A step becomes due at the
 * rollout's creation (the first), at the previous step's StepCompleted, or, after a timed pause, at
 * the pause's end (PhaseChanged → Paused carries `pauseUntil`). It starts with its first record:
 * WeightChanged (setWeight), PhaseChanged → Paused (pause), or its StepCompleted when it recorded
 * nothing else. Promoting (after the last step) ends the sequence.
 */
export class StepLatencyFold {
  readonly samples: StepSample[] = [];
  readonly #cursors = new Map<string, Cursor>();

  add(event: ReleaseEvent): void {
    if (event.subject.kind !== 'Rollout') return;
    const name = event.subject.name;
    if (event.type === EventType.RolloutCreated) {
      this.#cursors.set(name, { step: 0, due: event.at, afterPause: false, pauseUntil: undefined });
      return;
    }
    const cursor = this.#cursors.get(name);
    if (cursor === undefined) return;
    if (event.type === EventType.WeightChanged) this.#start(name, cursor, event.at);
    else if (event.type === EventType.PhaseChanged && event.to === Phase.Paused) {
      this.#start(name, cursor, event.at);
      const until = event.data?.['pauseUntil'];
      cursor.pauseUntil = typeof until === 'number' ? until : undefined;
    } else if (event.type === EventType.PhaseChanged && event.to !== Phase.Progressing) {
      // Promoting, Aborting, …: no further step falls due.
      cursor.due = undefined;
    } else if (event.type === EventType.StepCompleted) {
      this.#start(name, cursor, event.at);
      const kind = event.data?.['kind'];
      const afterPause = kind === 'pause' && cursor.pauseUntil !== undefined;
      cursor.step += 1;
      cursor.due = afterPause ? cursor.pauseUntil : event.at;
      cursor.afterPause = afterPause;
      cursor.pauseUntil = undefined;
    }
  }

  /** Steps due and not started (censored at the end of the run), the step after a pause whose end nobody recorded included. */
  pending(): StepSample[] {
    const out: StepSample[] = [];
    for (const [rollout, c] of this.#cursors) {
      if (c.due !== undefined) out.push({ rollout, step: c.step, due: c.due, started: undefined, afterPause: c.afterPause });
      else if (c.pauseUntil !== undefined) out.push({ rollout, step: c.step + 1, due: c.pauseUntil, started: undefined, afterPause: true });
    }
    return out;
  }

  #start(rollout: string, cursor: Cursor, at: number): void {
    if (cursor.due === undefined) return;
    this.samples.push({ rollout, step: cursor.step, due: cursor.due, started: at, afterPause: cursor.afterPause });
    cursor.due = undefined;
  }
}

/** Nearest-rank percentile of sorted values (0 < p ≤ 100); undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface LatencySummary {
  readonly count: number;
  /** Due in the window but not started when the controller stopped (counted at end − due). */
  readonly notStarted: number;
  readonly p50: number | undefined;
  readonly p90: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

/** Latencies of the steps due in [from, to); a step not started by `to` counts as `to − due` (a lower bound). */
export function summarize(samples: readonly StepSample[], from: number, to: number): LatencySummary {
  const inWindow = samples.filter((s) => s.due >= from && s.due < to);
  const latencies = inWindow.map((s) => Math.max(0, (s.started === undefined || s.started > to ? to : s.started) - s.due)).sort((a, b) => a - b);
  const notStarted = inWindow.filter((s) => s.started === undefined || s.started > to).length;
  return { count: latencies.length, notStarted, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) };
}
