import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventType, ManualClock, Phase, type ReleaseEvent, type Step } from '@sluice/domain';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import { MemoryMetricProvider } from '../providers/in-memory/memory-provider.js';
import { abortRollout } from '../rollouts/rollout-commands.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { DyingStore } from './testing/dying-store.js';
import { harness, seed, settle, shopRollout, T0, type Harness } from './testing/fixtures.js';

const provider = new MemoryMetricProvider({ 'error-rate v1': 0.001, 'error-rate v2': 0.001 });
const analysis = (store: Store): AnalysisDeps => ({ providers: () => provider, template: (n) => store.analysisTemplates.get(n) });
const verification = { provider: { kind: 'builtin' as const }, query: 'error-rate {{version}}', judge: { kind: 'threshold' as const, successCondition: 'result < 0.01' }, timeoutMs: 1_000, retries: 0, intervalMs: 5_000, withinMs: 30_000 };
const STEPS: Step[] = [
  { kind: 'checklist', items: [{ name: 'migrate-cache', operation: { kind: 'command', command: 'true', timeoutMs: 5_000 }, rollbackVerification: verification }] },
  { kind: 'setHeaderRoute', name: 'beta', match: [{ kind: 'header', name: 'x-beta', match: { exact: '1' } }] },
  { kind: 'setWeight', weight: 20 },
  { kind: 'pause' },
];

/** The rollout, paused at 20 % with a rule and a rollback verification owed, then aborted by a person. */
async function prepare(store: Store, clock: ManualClock): Promise<void> {
  await seed(store, shopRollout(STEPS));
  await settle(harness({ store, clock, analysis: analysis(store) }));
  await abortRollout({ store, clock, actor: 'alice' }, 'shop-v2', 'bad dashboards');
}

/** Runs passes (moving the clock so the rollback verification can run) until the rollout ends. */
async function finish(h: Harness): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await settle(h).catch(() => undefined);
    const r = await h.store.rollouts.get('shop-v2');
    if (r?.status.phase !== Phase.Aborting) return;
    h.clock.advance(5_000);
  }
}

const rollbackOps = (events: readonly ReleaseEvent[]) => events.filter((e) => e.type === EventType.RollbackProgressed).map((e) => e.to);

test('a rollback is a recorded plan: traffic, verify, rollback verifications — each once, in order', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock(T0);
  await prepare(store, clock);
  const h = harness({ store, clock, analysis: analysis(store) });
  await finish(h);
  const rollout = await store.rollouts.get('shop-v2');
  assert.equal(rollout?.status.phase, Phase.Aborted);
  assert.deepEqual(rollbackOps(await store.events.list({ limit: 10_000 })), ['traffic', 'verify', 'rollback-verifications']);
  assert.ok(rollout?.status.rollbackPlan?.ops.every((o) => o.doneAt !== undefined));
  const split = await h.router.observeSplit('shop');
  assert.equal(split.weight, 0);
  assert.equal(split.rules?.length ?? 0, 0, 'the rollout\'s rule is gone');
});

test('killed after any commit of the rollback, a restarted controller finishes the plan with each operation recorded once', async () => {
  const reference = new MemoryStore();
  const referenceClock = new ManualClock(T0);
  await prepare(reference, referenceClock);
  await finish(harness({ store: reference, clock: referenceClock, analysis: analysis(reference) }));
  const expected = (await reference.events.list({ limit: 10_000 })).map((e) => `${e.type} ${e.to ?? ''}`);
  const commits = rollbackOps(await reference.events.list({ limit: 10_000 })).length + 4;
  for (let k = 1; k <= commits; k++) {
    const disk = new MemoryStore();
    const clock = new ManualClock(T0);
    await prepare(disk, clock);
    const doomed = new DyingStore(disk, k);
    await finish(harness({ store: doomed, clock, analysis: analysis(doomed) })).catch(() => undefined);
    // Restart: a new controller with an empty data plane (the proxy died with the process).
    const restarted = harness({ store: disk, clock, analysis: analysis(disk) });
    await finish(restarted);
    const events = await disk.events.list({ limit: 10_000 });
    assert.equal((await disk.rollouts.get('shop-v2'))?.status.phase, Phase.Aborted, `crash after rollback commit ${k}`);
    assert.deepEqual(rollbackOps(events), ['traffic', 'verify', 'rollback-verifications'], `crash after rollback commit ${k}`);
    assert.deepEqual(events.map((e) => `${e.type} ${e.to ?? ''}`), expected, `the whole log after a crash at commit ${k}`);
    assert.equal((await restarted.router.observeSplit('shop')).weight, 0);
  }
});
