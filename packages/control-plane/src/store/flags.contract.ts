import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError, VersionConflictError, type Flag, type FlagChange, type FlagRevision, type FlagSpec } from '@sluice/domain';
import type { Store } from './store.js';
import { withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

/** A string flag with variants, a prerequisite and production rules; `rollout` sets production's default. */
export function makeFlagSpec(rollout = 10): FlagSpec {
  return {
    kind: 'release',
    type: 'string',
    description: 'New checkout “flow” — ü ✓',
    owner: 'team-checkout',
    variants: [
      { name: 'blue', value: 'blue', weight: 50 },
      { name: 'green', value: 'green', weight: 50 },
    ],
    prerequisites: [{ flag: 'base', enabled: true, variants: [] }],
    environments: {
      production: {
        enabled: true,
        overrides: [{ contextName: 'userId', values: ['alice', 'bob'], enabled: true, variant: 'green' }],
        rules: [
          {
            name: 'beta',
            constraints: [{ contextName: 'country', operator: 'IN', values: ['DE', 'FR'], caseInsensitive: true }],
            segments: ['testers'],
            rollout: 33.33,
            stickiness: 'default',
            variants: [],
          },
        ],
        default: { rollout, stickiness: 'default' },
        variantWeights: { blue: 20, green: 80 },
      },
      development: { enabled: false, overrides: [], rules: [], default: { rollout: 100, stickiness: 'sessionId' } },
    },
  };
}

export function makeFlag(name: string, rollout = 10, version = 0): Flag {
  return { name, version, spec: makeFlagSpec(rollout), createdAt: T0, updatedAt: T0 + rollout };
}

function change(at: number, actor = 'alice', extra: Partial<FlagChange> = {}): FlagChange {
  return { actor, at, reason: `set at ${at} — “why” ✓`, ...extra };
}

const conflict = (name: string, expected: number, actual: number | null) => (error: unknown) => {
  assert.ok(error instanceof VersionConflictError, String(error));
  assert.equal(error.code, ErrorCode.VERSION_CONFLICT);
  assert.deepEqual(error.details, { kind: 'Flag', name, expected, actual });
  return true;
};

/** Saves `flag` at versions 1..rollouts.length, each with its own change; returns the last save. */
async function saveVersions(store: Store, name: string, rollouts: readonly number[]): Promise<Flag> {
  let saved = makeFlag(name);
  for (const [i, rollout] of rollouts.entries()) {
    const extra = i === 1 ? { rollout: `${name}-release` } : {};
    saved = await store.flags.save({ ...saved, spec: makeFlagSpec(rollout) }, i, change(T0 + i, `actor-${i}`, extra));
  }
  return saved;
}

const summary = (revisions: readonly FlagRevision[]) => revisions.map((r) => `${r.name}@${r.version}`);

export function registerFlagTests(open: OpenTestStore): void {
  describe('flags', () => {
    registerFlagRecordTests(open);
    registerFlagHistoryTests(open);
    registerFlagUsageTests(open);
    registerFlagTransactionTests(open);
  });
}

function registerFlagRecordTests(open: OpenTestStore): void {
  test('an empty store has no flag, no history, seq 0 and no usage', () =>
    withStore(open, async (store) => {
      assert.equal(await store.flags.get('nope'), undefined);
      assert.deepEqual(await store.flags.list(), []);
      assert.deepEqual(await store.flags.history('nope'), []);
      assert.equal(await store.flags.revision('nope', 1), undefined);
      assert.deepEqual(await store.flags.changesSince(0), []);
      assert.equal(await store.flags.latestSeq(), 0);
      assert.deepEqual(await store.flags.usage(), []);
    }));

  test('save returns version 1; get and list return what was saved, sorted by name; results are copies', () =>
    withStore(open, async (store) => {
      const flag = makeFlag('new-checkout');
      const saved = await store.flags.save(flag, 0, change(T0));
      assert.deepEqual(saved, { ...flag, version: 1 });
      for (const name of ['Zeta', 'alpha', 'beta']) await store.flags.save(makeFlag(name), 0, change(T0));
      assert.deepEqual(await store.flags.get('new-checkout'), { ...flag, version: 1 });
      assert.deepEqual((await store.flags.list()).map((f) => f.name), ['Zeta', 'alpha', 'beta', 'new-checkout']);
      (saved.spec.variants as unknown as unknown[]).pop();
      const [revision] = await store.flags.history('new-checkout');
      (revision?.spec.variants as unknown as unknown[]).pop();
      assert.equal((await store.flags.get('new-checkout'))?.spec.variants.length, 2);
      assert.equal((await store.flags.revision('new-checkout', 1))?.spec.variants.length, 2);
    }));

  test('each save increments the version; a stale save conflicts and writes neither the flag nor history', () =>
    withStore(open, async (store) => {
      const v1 = await store.flags.save(makeFlag('f'), 0, change(T0));
      const v2 = await store.flags.save({ ...v1, spec: makeFlagSpec(50) }, 1, change(T0 + 1));
      assert.equal(v2.version, 2);
      const seq = await store.flags.latestSeq();
      await assert.rejects(store.flags.save(v1, 1, change(T0 + 2)), conflict('f', 1, 2));
      await assert.rejects(store.flags.save(makeFlag('f'), 0, change(T0 + 2)), conflict('f', 0, 2));
      await assert.rejects(store.flags.save(makeFlag('ghost'), 3, change(T0 + 2)), conflict('ghost', 3, null));
      assert.deepEqual(await store.flags.get('f'), v2);
      assert.equal(await store.flags.get('ghost'), undefined);
      assert.equal(await store.flags.latestSeq(), seq);
      assert.deepEqual(summary(await store.flags.history('f')), ['f@2', 'f@1']);
      assert.deepEqual(await store.flags.history('ghost'), []);
    }));
}

function registerFlagHistoryTests(open: OpenTestStore): void {
  test('history is newest first with each version’s change and spec; limit; revision finds one version', () =>
    withStore(open, async (store) => {
      await saveVersions(store, 'f', [10, 20, 30]);
      const history = await store.flags.history('f');
      assert.deepEqual(summary(history), ['f@3', 'f@2', 'f@1']);
      assert.deepEqual(history.map((r) => r.spec.environments['production']?.default.rollout), [30, 20, 10]);
      assert.deepEqual(history.map((r) => r.change), [change(T0 + 2, 'actor-2'), change(T0 + 1, 'actor-1', { rollout: 'f-release' }), change(T0, 'actor-0')]);
      assert.equal('rollout' in (history[0]?.change ?? {}), false, 'an absent rollout stays absent');
      assert.deepEqual(history[2]?.spec, makeFlagSpec(10));
      assert.deepEqual(summary(await store.flags.history('f', 2)), ['f@3', 'f@2']);
      assert.deepEqual(await store.flags.revision('f', 2), history[1]);
      assert.equal(await store.flags.revision('f', 4), undefined);
      assert.equal(await store.flags.revision('other', 1), undefined);
    }));

  test('seq strictly increases across flags in save order; changesSince is oldest first', () =>
    withStore(open, async (store) => {
      const a1 = await store.flags.save(makeFlag('a'), 0, change(T0));
      const b1 = await store.flags.save(makeFlag('b'), 0, change(T0 + 1, 'bob'));
      await store.flags.save({ ...a1, spec: makeFlagSpec(60) }, 1, change(T0 + 2));
      await store.flags.save({ ...b1, spec: makeFlagSpec(70) }, 1, change(T0 + 3, 'bob', { rollout: 'r1' }));
      const all = await store.flags.changesSince(0);
      assert.deepEqual(summary(all), ['a@1', 'b@1', 'a@2', 'b@2']);
      const seqs = all.map((r) => r.seq);
      assert.ok(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? Infinity)), `seqs increase: ${seqs.join(',')}`);
      assert.equal(await store.flags.latestSeq(), seqs[3]);
      assert.deepEqual(all[3], { seq: seqs[3], name: 'b', version: 2, change: change(T0 + 3, 'bob', { rollout: 'r1' }), spec: makeFlagSpec(70) });
      assert.deepEqual((await store.flags.history('b')).map((r) => r.seq), [seqs[3], seqs[1]]);
    }));

  test('changesSince returns only seq > afterSeq, at most limit; bad arguments are INVALID_REQUEST', () =>
    withStore(open, async (store) => {
      await saveVersions(store, 'a', [1, 2]);
      await saveVersions(store, 'b', [3, 4, 5]);
      const all = await store.flags.changesSince(0);
      assert.equal(all.length, 5);
      assert.deepEqual(summary(await store.flags.changesSince(0, 2)), ['a@1', 'a@2']);
      assert.deepEqual(summary(await store.flags.changesSince(all[1]?.seq ?? NaN, 2)), ['b@1', 'b@2']);
      assert.deepEqual(summary(await store.flags.changesSince(all[3]?.seq ?? NaN)), ['b@3']);
      assert.deepEqual(await store.flags.changesSince(await store.flags.latestSeq()), []);
      assert.deepEqual(await store.flags.changesSince(0, 0), []);
      const invalid = (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.INVALID_REQUEST;
      await assert.rejects(store.flags.changesSince(-1), invalid);
      await assert.rejects(store.flags.changesSince(0, 1.5), invalid);
      await assert.rejects(store.flags.history('a', -1), invalid);
    }));
}

function registerFlagUsageTests(open: OpenTestStore): void {
  test('addUsage adds evaluations per flag and environment and keeps the newest lastEvaluatedAt; usage is sorted', () =>
    withStore(open, async (store) => {
      await store.flags.addUsage([
        { flag: 'b', environment: 'production', evaluations: 5, lastEvaluatedAt: T0 + 10 },
        { flag: 'a', environment: 'staging', evaluations: 1, lastEvaluatedAt: T0 },
        { flag: 'a', environment: 'development', evaluations: 2, lastEvaluatedAt: T0 },
      ]);
      await store.flags.addUsage([]);
      // An older batch adds its count but keeps the newer timestamp; the same key twice in one batch adds up.
      await store.flags.addUsage([
        { flag: 'b', environment: 'production', evaluations: 7, lastEvaluatedAt: T0 + 5 },
        { flag: 'b', environment: 'production', evaluations: 3_000_000_000, lastEvaluatedAt: T0 + 1 },
      ]);
      await store.flags.addUsage([
        { flag: 'a', environment: 'staging', evaluations: 4, lastEvaluatedAt: T0 + 20 },
        { flag: 'a', environment: 'canary', evaluations: 1, lastEvaluatedAt: T0 + 30 },
      ]);
      assert.deepEqual(await store.flags.usage(), [
        { flag: 'a', environment: 'canary', evaluations: 1, lastEvaluatedAt: T0 + 30 },
        { flag: 'a', environment: 'development', evaluations: 2, lastEvaluatedAt: T0 },
        { flag: 'a', environment: 'staging', evaluations: 5, lastEvaluatedAt: T0 + 20 },
        { flag: 'b', environment: 'production', evaluations: 3_000_000_012, lastEvaluatedAt: T0 + 10 },
      ]);
    }));
}

function registerFlagTransactionTests(open: OpenTestStore): void {
  test('a throw after saves in a transaction leaves neither flag, history nor usage; a commit keeps both', () =>
    withStore(open, async (store) => {
      await store.flags.save(makeFlag('kept'), 0, change(T0));
      const before = await store.flags.latestSeq();
      await assert.rejects(
        store.transaction(async (tx) => {
          const v1 = await tx.flags.save(makeFlag('f'), 0, change(T0 + 1));
          await tx.flags.save({ ...v1, spec: makeFlagSpec(90) }, 1, change(T0 + 2));
          await tx.flags.addUsage([{ flag: 'f', environment: 'production', evaluations: 1, lastEvaluatedAt: T0 }]);
          assert.deepEqual(summary(await tx.flags.history('f')), ['f@2', 'f@1'], 'the transaction sees its own history');
          assert.deepEqual(summary(await tx.flags.changesSince(before)), ['f@1', 'f@2']);
          assert.ok((await tx.flags.latestSeq()) > before);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.flags.get('f'), undefined);
      assert.deepEqual(await store.flags.history('f'), []);
      assert.equal(await store.flags.revision('f', 1), undefined);
      assert.deepEqual(await store.flags.changesSince(before), []);
      assert.equal(await store.flags.latestSeq(), before);
      assert.deepEqual(await store.flags.usage(), []);
      await store.transaction(async (tx) => {
        await tx.flags.save(makeFlag('f'), 0, change(T0 + 3, 'carol'));
      });
      const [committed] = await store.flags.changesSince(before);
      assert.deepEqual({ ...committed, seq: 0 }, { seq: 0, name: 'f', version: 1, change: change(T0 + 3, 'carol'), spec: makeFlagSpec() });
      assert.ok((committed?.seq ?? 0) > before);
      assert.deepEqual(summary(await store.flags.history('kept')), ['kept@1']);
    }));

  test('a conflicting save later in a transaction rolls back an earlier flag save and its history', () =>
    withStore(open, async (store) => {
      await store.flags.save(makeFlag('b'), 0, change(T0));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.flags.save(makeFlag('a'), 0, change(T0 + 1));
          await tx.flags.save(makeFlag('b'), 0, change(T0 + 1));
        }),
        conflict('b', 0, 1),
      );
      assert.equal(await store.flags.get('a'), undefined);
      assert.deepEqual(summary(await store.flags.changesSince(0)), ['b@1']);
    }));
}
