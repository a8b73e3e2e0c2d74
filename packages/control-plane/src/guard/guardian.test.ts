import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_GATE,
  EventType,
  Phase,
  requestPromote,
  type GuardAction,
  type GuardCondition,
  type Rollout,
  type Step,
} from '@sluice/domain';
import { commitChange } from '../orchestrator/commit.js';
import { abortRollout } from '../rollouts/rollout-commands.js';
import { harness, seed, settle, shopRollout, type Harness } from '../orchestrator/testing/fixtures.js';
import { MemoryMetricProvider } from '../providers/in-memory/memory-provider.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { ExposedKeys } from './exposed-keys.js';
import { Guardian } from './guardian.js';

const condition = (action: GuardAction): GuardCondition => ({
  name: 'errors',
  provider: { kind: 'builtin' },
  judge: { kind: 'errorRate', requestsQuery: 'requests {{version}}', errorsQuery: 'errors {{version}}', options: {} },
  intervalMs: 1_000,
  timeoutMs: 1_000,
  retries: 0,
  gate: { ...DEFAULT_GATE, inconclusiveLimit: Number.MAX_SAFE_INTEGER, consecutiveErrorLimit: Number.MAX_SAFE_INTEGER },
  action,
});

const HEALTHY = { 'requests v2': 1000, 'errors v2': 1, 'requests v1': 9000, 'errors v1': 9, requests: 500, errors: 0 };
const BAD = { 'errors v2': 100 };

async function setup(action: GuardAction | 'none', steps: Step[] = [{ kind: 'setWeight', weight: 10 }, { kind: 'pause' }], keys = new ExposedKeys()) {
  const provider = new MemoryMetricProvider(HEALTHY);
  const store = new MemoryStore();
  const base = shopRollout(steps);
  const rollout: Rollout = { ...base, spec: { ...base.spec, guard: { conditions: action === 'none' ? [] : [condition(action)] } } };
  const h = harness({ store, guardian: new Guardian(() => provider, keys) });
  await seed(store, rollout);
  return { ...h, provider, keys };
}

const get = async (h: Harness): Promise<Rollout> => {
  const r = await h.store.rollouts.get('shop-v2');
  assert.ok(r);
  return r;
};

async function tick(h: Harness, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    h.clock.advance(1_000);
    await settle(h);
  }
}

const ofType = async (h: Harness, type: EventType) => h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' }, types: [type] });

describe('the release guardian', () => {
  test('watches from the first exposed request and rolls back a ×10 regression within a second or two', async () => {
    const h = await setup('rollback');
    await settle(h);
    let r = await get(h);
    assert.equal(r.status.canaryWeight, 10);
    assert.ok(r.status.guard, 'exposure began: the guardian is watching');
    await tick(h, 3);
    assert.equal((await get(h)).status.phase, Phase.Paused, 'healthy: nothing happens');
    for (const [q, v] of Object.entries(BAD)) h.provider.set(q, v);
    await tick(h, 2);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    const breach = (await ofType(h, EventType.GuardBreached))[0];
    assert.equal(breach?.to, 'rollback');
    assert.match(breach?.reason ?? '', /Guard "errors" breached: .*/);
    assert.equal((breach?.data?.['evidence'] as { rule?: string } | undefined)?.rule, 'fast-path');
    assert.equal((await h.router.observeSplit('shop')).weight, 0);
  });

  test('does not watch before the canary is exposed, and a rollout may turn it off', async () => {
    const h = await setup('rollback', [{ kind: 'pause' }, { kind: 'setWeight', weight: 10 }]);
    for (const [q, v] of Object.entries(BAD)) h.provider.set(q, v);
    await tick(h, 3);
    assert.equal((await get(h)).status.guard, undefined);
    const off = await setup('none');
    for (const [q, v] of Object.entries(BAD)) off.provider.set(q, v);
    await tick(off, 3);
    assert.equal((await get(off)).status.phase, Phase.Paused);
  });

  test('pause holds the rollout; a promote lets it go on with the evidence counted afresh', async () => {
    const h = await setup('pause', [{ kind: 'setWeight', weight: 10 }, { kind: 'pause', durationMs: 600_000 }, { kind: 'setWeight', weight: 50 }]);
    await settle(h);
    for (const [q, v] of Object.entries(BAD)) h.provider.set(q, v);
    await tick(h, 2);
    let r = await get(h);
    assert.equal(r.status.hold?.source, 'guard');
    const base = r;
    await commitChange(h.store, { rollout: requestPromote(base, false, h.clock.now()), base }, { actor: 'alice', at: h.clock.now() });
    for (const [q, v] of Object.entries(HEALTHY)) h.provider.set(q, v);
    await tick(h, 2);
    r = await get(h);
    assert.equal(r.status.hold, undefined);
    assert.deepEqual(r.status.guard?.breaches, {});
    assert.ok(r.status.guard?.restartedAt?.['errors'] !== undefined);
  });

  test('notify records the breach and changes nothing else', async () => {
    const h = await setup('notify');
    await settle(h);
    for (const [q, v] of Object.entries(BAD)) h.provider.set(q, v);
    await tick(h, 3);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Paused);
    assert.equal((await ofType(h, EventType.GuardBreached))[0]?.to, 'notify');
  });

  test('only changes of outcome go into the decision log, and exposure accumulates', async () => {
    const h = await setup('rollback');
    await settle(h);
    await tick(h, 30);
    const measured = await ofType(h, EventType.AnalysisMeasured);
    assert.ok(measured.length <= 2, `${measured.length} entries for 30 healthy seconds`);
    const exposure = (await get(h)).status.exposure;
    assert.ok(exposure !== undefined && exposure.requests > 0, JSON.stringify(exposure));
    assert.ok(exposure.trafficMinutes > 0);
  });

  test('counts the distinct sticky keys the canary served from exposure on, across a restart', async () => {
    const keys = new ExposedKeys();
    const h = await setup('rollback', undefined, keys);
    keys.watch('shop', 'v2');
    for (let i = 0; i < 500; i++) keys.record('shop', 'v2', `before-exposure-${i}`);
    await settle(h);
    for (let i = 0; i < 300; i++) keys.record('shop', 'v2', `user-${i % 150}`);
    for (let i = 0; i < 500; i++) keys.record('shop', 'v1', `stable-user-${i}`);
    await tick(h, 11);
    let exposure = (await get(h)).status.exposure;
    // A HyperLogLog estimate (±1.6 %).
    const near = (n: number | undefined, want: number) => n !== undefined && Math.abs(n - want) <= want * 0.03;
    assert.ok(near(exposure?.distinctKeys, 150), `${exposure?.distinctKeys}: keys before exposure, repeats and stable keys are not counted`);
    assert.ok(exposure?.keySketch !== undefined, 'the sketch is stored with the exposure');
    // A new process: a fresh guardian and tracker over the same store go on from the stored sketch.
    const restartedKeys = new ExposedKeys();
    const restarted = harness({ store: h.store, clock: h.clock, router: h.router, guardian: new Guardian(() => h.provider, restartedKeys) });
    await settle(restarted);
    for (let i = 100; i < 250; i++) restartedKeys.record('shop', 'v2', `user-${i}`);
    await tick(restarted, 11);
    exposure = (await get(h)).status.exposure;
    assert.ok(near(exposure?.distinctKeys, 250), `${exposure?.distinctKeys}: the union of users 0–149 and 100–249`);
  });

  test('an exposure budget holds a widening step until an analysis passed or a person promotes', async () => {
    const h = await setup('rollback', [{ kind: 'setWeight', weight: 10 }, { kind: 'pause', durationMs: 30_000 }, { kind: 'setWeight', weight: 50 }, { kind: 'pause' }]);
    const before = await get(h);
    await h.store.rollouts.save({ ...before, spec: { ...before.spec, exposureBudget: { maxRequests: 1_000 } } }, before.version);
    await settle(h);
    await tick(h, 35);
    let r = await get(h);
    assert.equal(r.status.hold?.source, 'budget', r.status.message);
    assert.match(r.status.message, /Exposure budget spent before any analysis passed for v2: \d+ requests served \(budget 1000\)/);
    assert.equal(r.status.canaryWeight, 10, 'not widened');
    const base = r;
    await commitChange(h.store, { rollout: requestPromote(base, false, h.clock.now()), base }, { actor: 'alice', at: h.clock.now() });
    await tick(h, 2);
    r = await get(h);
    assert.equal(r.status.canaryWeight, 50, 'a person widened it anyway');
    assert.equal(r.status.hold, undefined);
  });

  test('past the point of no return a breach holds and alerts instead of rolling back; abort needs force', async () => {
    const h = await setup('rollback', [{ kind: 'setWeight', weight: 10 }, { kind: 'pointOfNoReturn', reason: 'contract: dropped orders.legacy_id' }, { kind: 'pause' }]);
    await settle(h);
    assert.equal((await get(h)).status.pointOfNoReturn?.reason, 'contract: dropped orders.legacy_id');
    for (const [q, v] of Object.entries(BAD)) h.provider.set(q, v);
    await tick(h, 2);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Paused, 'not rolled back');
    assert.equal(r.status.hold?.source, 'irreversible');
    assert.match(r.status.message, /not rolling back: past the point of no return at step 2 \(contract: dropped orders.legacy_id\)/);
    assert.equal((await h.router.observeSplit('shop')).weight, 10);
    const ctx = { store: h.store, clock: h.clock, actor: 'alice' };
    await assert.rejects(abortRollout(ctx, 'shop-v2', 'panic'), /point of no return.*--force/);
    await abortRollout(ctx, 'shop-v2', 'panic', true);
    await settle(h);
    assert.equal((await get(h)).status.phase, Phase.Aborted);
  });
});

