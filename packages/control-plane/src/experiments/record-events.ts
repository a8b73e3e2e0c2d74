import { attributeEvents, concernsExperiment, ErrorCode, isSluiceError, type AttributionTally, type ExperimentEvent } from '@sluice/domain';
import type { Store, StoreTransaction } from '../store/store.js';

/** The answer of POST /api/v1/events: how many events came, and what each running experiment they concern counted. */
export interface RecordedEvents {
  readonly received: number;
  /** By experiment name; experiments no event concerned are left out. */
  readonly experiments: Readonly<Record<string, AttributionTally>>;
}

const ATTEMPTS = 5;

async function recordInTransaction(tx: StoreTransaction, events: readonly ExperimentEvent[]): Promise<RecordedEvents> {
  const tallies: Record<string, AttributionTally> = {};
  for (const experiment of await tx.experiments.list({ runningOnly: true })) {
    const mine = events.filter((e) => concernsExperiment(experiment, e));
    if (mine.length === 0) continue;
    const known = await tx.experiments.marks(experiment.name, [...new Set(mine.map((e) => e.key))]);
    const attribution = attributeEvents(experiment, await tx.experiments.counts(experiment.name), known, mine);
    if (attribution.marks.length > 0) await tx.experiments.addMarks(experiment.name, attribution.marks);
    const { tally } = attribution;
    if (tally.exposures + tally.conversions + tally.values + tally.dropped > 0) await tx.experiments.saveCounts(experiment.name, attribution.counts);
    tallies[experiment.name] = tally;
  }
  return { received: events.length, experiments: tallies };
}

/**
 * Adds a batch of conversion events to every running experiment they concern, in one transaction:
 * the counts and the marks that keep each exposure and conversion to once per user change together,
 * so a batch counts entirely or (on failure, to be retried by the client) not at all. Retried when
 * another writer changed the same records first.
 */
export async function recordEvents(store: Store, events: readonly ExperimentEvent[]): Promise<RecordedEvents> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction((tx) => recordInTransaction(tx, events));
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
    }
  }
}
