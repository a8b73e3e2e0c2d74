import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { variantAssigner } from './assign.js';
import { attributeEvents, concernsExperiment, type ExperimentEvent } from './attribute-events.js';
import { EMPTY_EXPERIMENT_COUNTS, experimentData, type Experiment, type ExperimentCounts } from './experiment-resource.js';

const T0 = Date.UTC(2026, 0, 1);

const EXPERIMENT: Experiment = {
  name: 'checkout-button',
  version: 1,
  status: { phase: 'Running', startedAt: T0 },
  spec: {
    name: 'checkout-button',
    variants: [
      { name: 'control', weight: 50, serves: { flag: 'button', variation: 'blue' } },
      { name: 'green', weight: 50, serves: { flag: 'button', variation: 'green' } },
    ],
    control: 'control',
    primaryMetric: { name: 'purchase', event: 'checkout', kind: 'conversion', direction: 'increase' },
    guardrailMetrics: [{ name: 'order-value', event: 'checkout', kind: 'mean', direction: 'increase' }, { name: 'latency', event: 'page-load', kind: 'mean', direction: 'decrease' }],
  },
};

const assign = variantAssigner(EXPERIMENT.spec);
/** The first user of each variant, by assignVariant. */
const userIn = (variant: string, skip = 0): string => {
  const found = Array.from({ length: 1000 }, (_, i) => `u${i}`).filter((k) => assign(k) === variant)[skip];
  assert.ok(found);
  return found;
};
const [C, G, G2] = [userIn('control'), userIn('green'), userIn('green', 1)];
const exposure = (key: string, at = T0): ExperimentEvent => ({ key, event: '$exposure', experiment: 'checkout-button', at });
const ev = (key: string, event: string, value?: number, at = T0 + 1): ExperimentEvent => ({ key, event, at, ...(value === undefined ? {} : { value }) });

/** Runs batches one after another, carrying the counts and the marks as a store would. */
function run(batches: readonly (readonly ExperimentEvent[])[]) {
  let counts: ExperimentCounts = EMPTY_EXPERIMENT_COUNTS;
  const marks = new Map<string, Set<string>>();
  const tallies = [];
  for (const batch of batches) {
    const result = attributeEvents(EXPERIMENT, counts, marks, batch);
    counts = result.counts;
    for (const m of result.marks) {
      assert.equal(marks.get(m.key)?.has(m.mark) ?? false, false, `mark ${m.key}/${m.mark} returned twice`);
      marks.set(m.key, (marks.get(m.key) ?? new Set()).add(m.mark));
    }
    tallies.push(result.tally);
  }
  return { counts, marks, tallies };
}

describe('attributeEvents', () => {
  test('exposures count distinct users per assigned variant; conversions once per user; mean values every event', () => {
    const { counts, tallies } = run([
      [exposure(C), exposure(G), exposure(G2), exposure(G)],
      [ev(C, 'checkout', 30), ev(G, 'checkout', 10), ev(G, 'checkout', 20), ev(G2, 'page-load', 100), ev(G2, 'page-load', 300)],
    ]);
    assert.deepEqual(counts.exposures, { control: 1, green: 2 });
    assert.deepEqual(counts.conversions, { purchase: { control: 1, green: 1 } });
    assert.deepEqual(counts.values['order-value'], { control: { n: 1, sum: 30, sumSquares: 900 }, green: { n: 2, sum: 30, sumSquares: 500 } });
    assert.deepEqual(counts.values['latency'], { green: { n: 2, sum: 400, sumSquares: 100_000 } });
    assert.deepEqual(tallies[0], { exposures: 3, conversions: 0, values: 0, duplicates: 1, notExposed: 0, beforeStart: 0, missingValue: 0, dropped: 0 });
    assert.deepEqual(tallies[1], { exposures: 0, conversions: 2, values: 5, duplicates: 1, notExposed: 0, beforeStart: 0, missingValue: 0, dropped: 0 });
    const data = experimentData(EXPERIMENT.spec, counts);
    assert.deepEqual(data.metrics['purchase'], { control: { users: 1, conversions: 1 }, green: { users: 2, conversions: 1 } });
    assert.deepEqual(data.exposures, { control: 1, green: 2 });
  });

  test('metric events of users not exposed yet, events before the start and mean events without value are not counted', () => {
    const { counts, tallies } = run([[ev(C, 'checkout', 5), exposure(C, T0 - 1), ev(G, 'checkout', 5, T0 - 10), exposure(G), ev(G, 'page-load'), ev(G, 'other', 1)]]);
    assert.deepEqual(counts.exposures, { green: 1 });
    assert.deepEqual(counts.conversions, {});
    assert.deepEqual(tallies[0], { exposures: 1, conversions: 0, values: 0, duplicates: 0, notExposed: 1, beforeStart: 2, missingValue: 1, dropped: 0 });
  });

  test('an exposure later in the same batch makes later events count, not earlier ones', () => {
    const { counts } = run([[ev(C, 'checkout', 1), exposure(C), ev(C, 'checkout', 2)]]);
    assert.deepEqual(counts.conversions, { purchase: { control: 1 } });
    assert.deepEqual(counts.values['order-value'], { control: { n: 1, sum: 2, sumSquares: 4 } });
  });

  test('exposures to another experiment and unrelated events do not concern it', () => {
    assert.equal(concernsExperiment(EXPERIMENT, { event: '$exposure', experiment: 'other' }), false);
    assert.equal(concernsExperiment(EXPERIMENT, { event: '$exposure' }), false);
    assert.equal(concernsExperiment(EXPERIMENT, { event: 'signup' }), false);
    assert.equal(concernsExperiment(EXPERIMENT, { event: 'page-load' }), true);
    const { counts } = run([[{ ...exposure(C), experiment: 'other' }]]);
    assert.deepEqual(counts, EMPTY_EXPERIMENT_COUNTS);
  });

  test('the counts passed in are not changed', () => {
    const first = run([[exposure(C), ev(C, 'checkout', 3)]]).counts;
    const frozen = JSON.stringify(first);
    attributeEvents(EXPERIMENT, first, new Map([[C, new Set(['$exposure', 'purchase'])]]), [exposure(G), ev(G, 'checkout', 4)]);
    assert.equal(JSON.stringify(first), frozen);
  });
});
