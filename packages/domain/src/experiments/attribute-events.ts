/**
 * Attribution of conversion events to one running experiment, incrementally: each batch updates the
 * experiment's counts (sufficient statistics per variant) and returns the marks to record.
 *
 * The rules:
 * - A user (an event's `key`) is exposed by an exposure event `{ key, event: "$exposure", experiment }`:
 *   what the application or SDK sends when it shows a variant. Each key counts once (distinct users);
 *   its variant is assignVariant's, whatever sent the event.
 * - An event whose name is one of the experiment's metrics counts only for a user already exposed
 *   (an earlier event, or earlier in the same batch): activity of users who never saw the experiment
 *   would dilute both sides alike and hide effects.
 * - Conversion metrics count a user at most once; mean metrics add every event's `value`.
 * - Events timed before the experiment started are not counted.
 */
import { variantAssigner } from './assign.js';
import { addMeanValue, EMPTY_MEAN_STATS, type MeanStats } from './experiment-spec.js';
import {
  EXPOSURE_EVENT, eventMetrics, MAX_EXPERIMENT_USERS, totalExposures,
  type EventMetric, type Experiment, type ExperimentCounts,
} from './experiment-resource.js';

/** One conversion event, as POST /api/v1/events takes it (with `at` resolved). */
export interface ExperimentEvent {
  /** The user: the same key the data plane buckets by (the stickiness header or cookie). */
  readonly key: string;
  readonly event: string;
  readonly value?: number;
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** Exposure events: the experiment shown. */
  readonly experiment?: string;
}

/** A user's exposure ("$exposure") or conversion (the metric's name), recorded so it counts once. */
export interface ExperimentMark {
  readonly key: string;
  readonly mark: string;
}

/** What one batch did to one experiment. */
export interface AttributionTally {
  /** Users newly exposed. */
  exposures: number;
  /** Users newly converted, over the conversion metrics. */
  conversions: number;
  /** Values added to mean metrics. */
  values: number;
  /** A second exposure or conversion of a user: not counted. */
  duplicates: number;
  /** Metric events of users not exposed (yet): not counted. */
  notExposed: number;
  /** Events timed before the experiment started. */
  beforeStart: number;
  /** Mean-metric events without a value. */
  missingValue: number;
  /** Exposures beyond MAX_EXPERIMENT_USERS. */
  dropped: number;
}

export interface Attribution {
  readonly counts: ExperimentCounts;
  /** Marks to record, none of them known before. */
  readonly marks: readonly ExperimentMark[];
  readonly tally: AttributionTally;
}

type Experimentish = Pick<Experiment, 'name' | 'spec' | 'status'>;

/** The metrics of an experiment by event name. */
function metricsByEvent(experiment: Experimentish): Map<string, EventMetric[]> {
  const byEvent = new Map<string, EventMetric[]>();
  for (const metric of eventMetrics(experiment.spec)) byEvent.set(metric.event, [...(byEvent.get(metric.event) ?? []), metric]);
  return byEvent;
}

/** True when the event may concern the experiment: an exposure to it, or an event one of its metrics reads. */
export function concernsExperiment(experiment: Experimentish, event: Pick<ExperimentEvent, 'event' | 'experiment'>): boolean {
  if (event.event === EXPOSURE_EVENT) return event.experiment === experiment.name;
  return eventMetrics(experiment.spec).some((m) => m.event === event.event);
}

const emptyTally = (): AttributionTally => ({ exposures: 0, conversions: 0, values: 0, duplicates: 0, notExposed: 0, beforeStart: 0, missingValue: 0, dropped: 0 });

/** Mutable copies of the counts, one batch's working state. */
interface Working {
  readonly exposures: Record<string, number>;
  readonly conversions: Record<string, Record<string, number>>;
  readonly values: Record<string, Record<string, MeanStats>>;
  dropped: number;
  users: number;
}

function working(counts: ExperimentCounts): Working {
  const copy = <T>(m: Readonly<Record<string, Readonly<Record<string, T>>>>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { ...v }]));
  return { exposures: { ...counts.exposures }, conversions: copy(counts.conversions), values: copy(counts.values), dropped: counts.droppedExposures, users: totalExposures(counts) };
}

/**
 * Adds a batch of events to an experiment's counts. `known` holds the marks already recorded for the
 * batch's keys (key → marks); the returned marks are the new ones, to record in the same transaction
 * as the counts.
 */
export function attributeEvents(experiment: Experimentish, counts: ExperimentCounts, known: ReadonlyMap<string, ReadonlySet<string>>, events: readonly ExperimentEvent[]): Attribution {
  const assign = variantAssigner(experiment.spec);
  const byEvent = metricsByEvent(experiment);
  const w = working(counts);
  const tally = emptyTally();
  const added = new Map<string, Set<string>>();
  const marks: ExperimentMark[] = [];
  const has = (key: string, mark: string): boolean => known.get(key)?.has(mark) === true || added.get(key)?.has(mark) === true;
  const mark = (key: string, name: string): void => {
    added.set(key, (added.get(key) ?? new Set()).add(name));
    marks.push({ key, mark: name });
  };
  for (const event of events) {
    if (!concernsExperiment(experiment, event)) continue;
    if (event.at < experiment.status.startedAt) {
      tally.beforeStart++;
      continue;
    }
    const variant = assign(event.key);
    if (event.event === EXPOSURE_EVENT) {
      expose(w, tally, variant, has(event.key, EXPOSURE_EVENT), () => mark(event.key, EXPOSURE_EVENT));
      continue;
    }
    if (!has(event.key, EXPOSURE_EVENT)) {
      tally.notExposed++;
      continue;
    }
    for (const metric of byEvent.get(event.event) ?? []) {
      if (metric.kind === 'mean') addValue(w, tally, metric.name, variant, event.value);
      else if (has(event.key, metric.name)) tally.duplicates++;
      else {
        mark(event.key, metric.name);
        const row = (w.conversions[metric.name] ??= {});
        row[variant] = (row[variant] ?? 0) + 1;
        tally.conversions++;
      }
    }
  }
  const next: ExperimentCounts = { exposures: w.exposures, conversions: w.conversions, values: w.values, droppedExposures: w.dropped };
  return { counts: next, marks, tally };
}

function expose(w: Working, tally: AttributionTally, variant: string, already: boolean, record: () => void): void {
  if (already) {
    tally.duplicates++;
    return;
  }
  if (w.users >= MAX_EXPERIMENT_USERS) {
    w.dropped++;
    tally.dropped++;
    return;
  }
  record();
  w.exposures[variant] = (w.exposures[variant] ?? 0) + 1;
  w.users++;
  tally.exposures++;
}

function addValue(w: Working, tally: AttributionTally, metric: string, variant: string, value: number | undefined): void {
  if (value === undefined) {
    tally.missingValue++;
    return;
  }
  const row = (w.values[metric] ??= {});
  row[variant] = addMeanValue(row[variant] ?? EMPTY_MEAN_STATS, value);
  tally.values++;
}
