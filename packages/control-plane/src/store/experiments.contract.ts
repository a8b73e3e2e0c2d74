import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMPTY_EXPERIMENT_COUNTS, ErrorCode, VersionConflictError, type Experiment, type ExperimentCounts } from '@sluice/domain';
import { withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

/** A Running two-version experiment on `service` (null: a flag-style experiment with no service). */
export function makeExperiment(name: string, service: string | null = 'shop', phase: Experiment['status']['phase'] = 'Running'): Experiment {
  return {
    name,
    version: 0,
    spec: {
      name,
      ...(service === null ? {} : { service }),
      variants: [
        { name: 'control', weight: 50, serves: { version: 'v1' } },
        { name: 'treatment', weight: 50, serves: { version: 'v2' } },
      ],
      control: 'control',
      primaryMetric: { name: 'purchase', event: 'checkout', kind: 'conversion', direction: 'increase', minimumDetectableEffect: 0.1 },
      guardrailMetrics: [{ name: 'latency', event: 'page-load', kind: 'mean', direction: 'decrease' }],
    },
    status: { phase, startedAt: T0 },
  };
}

/** Values whose sums would lose digits if a store kept them as anything but doubles. */
const COUNTS: ExperimentCounts = {
  exposures: { control: 1234, treatment: 1190 },
  conversions: { purchase: { control: 130, treatment: 151 } },
  values: { latency: { control: { n: 3, sum: 0.1 + 0.2 + 123.456789012345, sumSquares: 15241.578753238836 }, treatment: { n: 1, sum: 1e-300, sumSquares: 0 } } },
  droppedExposures: 2,
};

const conflict = (name: string, expected: number, actual: number | null) => (error: unknown) => {
  assert.ok(error instanceof VersionConflictError, String(error));
  assert.equal(error.code, ErrorCode.VERSION_CONFLICT);
  assert.deepEqual(error.details, { kind: 'Experiment', name, expected, actual });
  return true;
};

const sortedMarks = (marks: ReadonlyMap<string, ReadonlySet<string>>) => [...marks].map(([k, v]) => [k, [...v].sort()] as const).sort(([a], [b]) => (a < b ? -1 : 1));

export function registerExperimentTests(open: OpenTestStore): void {
  describe('experiments', () => {
    test('an empty store has no experiment, empty counts and no marks', () =>
      withStore(open, async (store) => {
        assert.equal(await store.experiments.get('nope'), undefined);
        assert.deepEqual(await store.experiments.list(), []);
        assert.deepEqual(await store.experiments.counts('nope'), EMPTY_EXPERIMENT_COUNTS);
        assert.equal((await store.experiments.marks('nope', ['a', 'b'])).size, 0);
      }));

    test('save returns version 1; get and list return what was saved, sorted by name, filtered by service and phase', () =>
      withStore(open, async (store) => {
        const first = makeExperiment('new-checkout');
        assert.deepEqual(await store.experiments.save(first, 0), { ...first, version: 1 });
        await store.experiments.save(makeExperiment('button', null), 0);
        await store.experiments.save(makeExperiment('old', 'shop', 'Stopped'), 0);
        await store.experiments.save(makeExperiment('cart-test', 'cart'), 0);
        assert.deepEqual(await store.experiments.get('new-checkout'), { ...first, version: 1 });
        assert.deepEqual((await store.experiments.list()).map((e) => e.name), ['button', 'cart-test', 'new-checkout', 'old']);
        assert.deepEqual((await store.experiments.list({ service: 'shop' })).map((e) => e.name), ['new-checkout', 'old']);
        assert.deepEqual((await store.experiments.list({ runningOnly: true })).map((e) => e.name), ['button', 'cart-test', 'new-checkout']);
        assert.deepEqual((await store.experiments.list({ service: 'shop', runningOnly: true })).map((e) => e.name), ['new-checkout']);
        assert.equal((await store.experiments.get('button'))?.spec.service, undefined);
      }));

    test('each save increments the version; a stale save conflicts and writes nothing; the phase filter follows saves', () =>
      withStore(open, async (store) => {
        const v1 = await store.experiments.save(makeExperiment('exp'), 0);
        const stopped: Experiment = { ...v1, status: { ...v1.status, phase: 'Stopped', endedAt: T0 + 5, endedBy: 'alice' } };
        const v2 = await store.experiments.save(stopped, 1);
        assert.equal(v2.version, 2);
        await assert.rejects(store.experiments.save(v1, 1), conflict('exp', 1, 2));
        await assert.rejects(store.experiments.save(makeExperiment('exp'), 0), conflict('exp', 0, 2));
        await assert.rejects(store.experiments.save(makeExperiment('ghost'), 3), conflict('ghost', 3, null));
        assert.deepEqual(await store.experiments.get('exp'), v2);
        assert.equal(await store.experiments.get('ghost'), undefined);
        assert.deepEqual(await store.experiments.list({ runningOnly: true }), []);
      }));

    test('counts round-trip exactly, are replaced by the next save, and are kept per experiment', () =>
      withStore(open, async (store) => {
        await store.experiments.saveCounts('exp', COUNTS);
        assert.deepEqual(await store.experiments.counts('exp'), COUNTS);
        const next = { ...COUNTS, exposures: { control: 1235, treatment: 1190 } };
        await store.experiments.saveCounts('exp', next);
        assert.deepEqual(await store.experiments.counts('exp'), next);
        assert.deepEqual(await store.experiments.counts('other'), EMPTY_EXPERIMENT_COUNTS);
      }));

    test('marks: only the keys asked for, each mark once, per experiment; more keys than one query takes', () =>
      withStore(open, async (store) => {
        await store.experiments.addMarks('exp', [{ key: 'u1', mark: '$exposure' }, { key: 'u1', mark: 'purchase' }, { key: 'u2', mark: '$exposure' }]);
        await store.experiments.addMarks('exp', [{ key: 'u1', mark: 'purchase' }, { key: 'ü-ß 3', mark: '$exposure' }]);
        await store.experiments.addMarks('other', [{ key: 'u3', mark: '$exposure' }]);
        assert.deepEqual(sortedMarks(await store.experiments.marks('exp', ['u1', 'u3', 'ü-ß 3', 'u1'])), [['u1', ['$exposure', 'purchase']], ['ü-ß 3', ['$exposure']]]);
        assert.deepEqual(sortedMarks(await store.experiments.marks('other', ['u1', 'u3'])), [['u3', ['$exposure']]]);
        const many = Array.from({ length: 1203 }, (_, i) => ({ key: `k${i}`, mark: '$exposure' }));
        await store.experiments.addMarks('big', many);
        const found = await store.experiments.marks('big', [...many.map((m) => m.key), 'absent']);
        assert.equal(found.size, 1203);
        assert.equal(found.has('absent'), false);
      }));

    test('experiment, counts and marks written in a transaction commit together or not at all', () =>
      withStore(open, async (store) => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.experiments.save(makeExperiment('exp'), 0);
            await tx.experiments.saveCounts('exp', COUNTS);
            await tx.experiments.addMarks('exp', [{ key: 'u1', mark: '$exposure' }]);
            assert.deepEqual(sortedMarks(await tx.experiments.marks('exp', ['u1'])), [['u1', ['$exposure']]], 'the transaction sees its own marks');
            assert.deepEqual(await tx.experiments.counts('exp'), COUNTS);
            assert.equal((await tx.experiments.list({ runningOnly: true })).length, 1);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await store.experiments.get('exp'), undefined);
        assert.deepEqual(await store.experiments.counts('exp'), EMPTY_EXPERIMENT_COUNTS);
        assert.equal((await store.experiments.marks('exp', ['u1'])).size, 0);
        await store.transaction(async (tx) => {
          await tx.experiments.saveCounts('exp', COUNTS);
          await tx.experiments.addMarks('exp', [{ key: 'u1', mark: '$exposure' }]);
        });
        assert.deepEqual(await store.experiments.counts('exp'), COUNTS);
        assert.deepEqual(sortedMarks(await store.experiments.marks('exp', ['u1'])), [['u1', ['$exposure']]]);
      }));

    test('returned experiments and counts are copies: mutating them does not change the store', () =>
      withStore(open, async (store) => {
        const saved = await store.experiments.save(makeExperiment('exp'), 0);
        (saved.spec.variants as unknown as unknown[]).pop();
        await store.experiments.saveCounts('exp', COUNTS);
        const counts = await store.experiments.counts('exp');
        (counts.exposures as Record<string, number>)['control'] = -1;
        assert.equal((await store.experiments.get('exp'))?.spec.variants.length, 2);
        assert.deepEqual(await store.experiments.counts('exp'), COUNTS);
      }));
  });
}
