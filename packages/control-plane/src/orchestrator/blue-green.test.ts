import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  blueGreenColors,
  blueGreenStrategy,
  createRollout,
  DEFAULT_GATE,
  ErrorCode,
  EventType,
  isSluiceError,
  Phase,
  revisionOf,
  type AnalysisTemplate,
  type BlueGreenSpec,
  type Rollout,
  type TrafficSplit,
} from '@sluice/domain';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import { MemoryMetricProvider } from '../providers/in-memory/memory-provider.js';
import { promoteRollout } from '../rollouts/rollout-commands.js';
import { undoService } from '../rollouts/service-commands.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { MemoryRouter } from '../traffic/in-memory/memory-router.js';
import { harness, seed, settle, shopService, T0, type Harness } from './testing/fixtures.js';

/** A data plane that can fall behind: while `frozen`, it accepts splits without serving them. */
class LaggingRouter extends MemoryRouter {
  frozen = false;

  override async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    if (!this.frozen) await super.setSplit(service, split, signal);
  }
}

const INTERVAL = 10_000;
const HEALTH: AnalysisTemplate = {
  name: 'health',
  version: 0,
  spec: {
    args: [],
    metrics: [{ name: 'errors', provider: { kind: 'builtin' }, query: 'error-rate {{version}}', judge: { kind: 'threshold', successCondition: 'result < 0.05' }, intervalMs: INTERVAL, timeoutMs: 1000, retries: 0, gate: { ...DEFAULT_GATE, count: 2 } }],
  },
};

const SPEC: BlueGreenSpec = {
  previewRoute: { kind: 'header', name: 'x-preview', value: '1' },
  prePromotionAnalysis: { templates: ['health'], args: {} },
  autoPromote: true,
  postPromotionAnalysis: { templates: ['health'], args: {} },
  scaleDownDelayMs: 30_000,
};
const PREVIEW_RULE = { name: 'preview', conditions: [{ kind: 'header', name: 'x-preview', match: { exact: '1' } }], action: { kind: 'version', version: 'v2' } };

interface Setup extends Harness {
  readonly provider: MemoryMetricProvider;
  readonly router: LaggingRouter;
}

function blueGreenRollout(name: string, target: string, stable: string, spec: BlueGreenSpec = SPEC): Rollout {
  return createRollout(name, { service: 'shop', target, strategy: blueGreenStrategy(spec) }, stable, T0);
}

async function setup(spec: BlueGreenSpec = SPEC, manualReadiness = false): Promise<Setup> {
  const provider = new MemoryMetricProvider({ 'error-rate v2': 0.001, 'error-rate v1': 0.001 });
  const store = new MemoryStore();
  const router = new LaggingRouter();
  const analysis: AnalysisDeps = { providers: () => provider, template: (name) => store.analysisTemplates.get(name) };
  const h = harness({ store, analysis, router, manualReadiness });
  await store.analysisTemplates.save(HEALTH, 0);
  await seed(store, blueGreenRollout('shop-v2', 'v2', 'v1', spec));
  await store.revisions.append(revisionOf(shopService(), { at: T0, actor: 'test', outcome: 'created' }));
  return { ...h, provider, router };
}

const get = async (h: Harness, name = 'shop-v2'): Promise<Rollout> => {
  const r = await h.store.rollouts.get(name);
  assert.ok(r);
  return r;
};

/** Advances the clock by `ms` in steps of one analysis interval, settling after each. */
async function run(h: Harness, ms: number): Promise<void> {
  await settle(h);
  for (let t = 0; t < ms; t += INTERVAL) {
    h.clock.advance(INTERVAL);
    await settle(h);
  }
}

/** Why the controller says the rollout waits, as of its last pass ('' when it does not). */
function whyWaiting(h: Harness, name: string): string {
  const outcome = h.controller.outcome(name);
  return outcome?.kind === 'waiting' ? outcome.why : '';
}

const colorsOf = (r: Rollout) => (r.spec.strategy.kind === 'blueGreen' ? blueGreenColors(r.spec.strategy, r.spec.target, r.status) : undefined);

/** A rollout to green that passes both analyses: green is stable, blue warm. */
async function promoted(manualReadiness = false): Promise<Setup> {
  const h = await setup(SPEC, manualReadiness);
  await h.controller.reconcileOnce();
  for (const version of ['v1', 'v2']) h.runtime.markReady({ service: 'shop', version });
  await run(h, 2 * INTERVAL);
  await run(h, 2 * INTERVAL);
  assert.equal((await get(h)).status.phase, Phase.Succeeded);
  return h;
}

describe('blue-green rollout', () => {
  test('the preview reaches green before the switch, and the pre-promotion analysis measures green', async () => {
    const h = await setup();
    await settle(h);
    const r = await get(h);
    assert.deepEqual([r.status.phase, r.status.stepIndex, r.status.canaryWeight], [Phase.Progressing, 1, 0]);
    const served = await h.router.observeSplit('shop');
    assert.deepEqual([served.stable, served.canary, served.weight], ['v1', 'v2', 0], 'everyone but the preview stays on blue');
    assert.deepEqual(served.rules, [PREVIEW_RULE]);
    assert.equal(colorsOf(r)?.live, 'blue');
    h.clock.advance(INTERVAL);
    await settle(h);
    assert.deepEqual(h.provider.asked, ['error-rate v2'], 'the analysis measures green, where the preview goes');
  });

  test('the switch completes only once the data plane serves 100 % on green', async () => {
    const h = await setup();
    await run(h, INTERVAL);
    h.router.frozen = true;
    await run(h, INTERVAL);
    let r = await get(h);
    assert.deepEqual([r.status.stepIndex, r.status.canaryWeight], [2, 100], 'the switch is recorded, not done');
    assert.equal((await h.router.observeSplit('shop')).weight, 0);
    assert.deepEqual([colorsOf(r)?.live, colorsOf(r)?.switching], ['blue', true]);
    assert.match(whyWaiting(h, 'shop-v2'), /data plane to serve 100% on v2/);
    h.router.frozen = false;
    await settle(h);
    r = await get(h);
    assert.equal(r.status.stepIndex, 3, 'post-promotion analysis');
    assert.equal((await h.router.observeSplit('shop')).weight, 100);
    assert.equal(colorsOf(r)?.live, 'green');
    const completed = (await h.store.events.list({ types: [EventType.StepCompleted] })).map((e) => e.reason);
    assert.match(completed[2] ?? '', /setWeight 100\) completed: the data plane serves 100% on v2/);
  });

  test('after both analyses pass, green is stable, the preview rule is gone and blue stays warm for scaleDownDelay', async () => {
    const h = await promoted();
    const service = await h.store.services.get('shop');
    assert.deepEqual(service?.status, { stable: 'v2', revision: 2, warmUntil: { v1: h.clock.now() + 30_000 } });
    const served = await h.router.observeSplit('shop');
    assert.deepEqual([served.stable, served.weight, served.rules], ['v2', 0, undefined]);
    assert.ok(h.runtime.list().some((w) => w.version === 'v1' && w.readyEndpoints.length > 0), 'blue still runs');
    const changed = (await h.store.events.list({ types: [EventType.StableChanged] })).at(-1);
    assert.match(changed?.reason ?? '', /v1 stays running for 30s for an instant undo/);
  });

  test('blue is retired when its scaleDownDelay ends, recorded as idle; undo then refuses it with what to do', async () => {
    const h = await promoted();
    const switchedAt = h.clock.now();
    h.clock.advance(29_999);
    await h.controller.reconcileOnce();
    assert.ok(h.runtime.list().some((w) => w.version === 'v1'), 'still warm');
    h.clock.advance(1);
    await h.controller.reconcileOnce();
    assert.equal(h.runtime.list().some((w) => w.version === 'v1'), false);
    assert.deepEqual(h.runtime.calls.filter((c) => c.op === 'retire').map((c) => c.version), ['v1']);
    const service = await h.store.services.get('shop');
    assert.deepEqual(service?.status, { stable: 'v2', revision: 2, idle: { v1: switchedAt + 30_000 } });
    const idled = await h.store.events.list({ types: [EventType.WorkloadChanged] });
    assert.deepEqual(idled.map((e) => [e.subject.kind, e.from, e.to]), [['Service', 'warm', 'idle']]);
    const ensures = (version: string) => h.runtime.calls.filter((c) => c.op === 'ensure' && c.version === version).length;
    const [v1Before, v2Before] = [ensures('v1'), ensures('v2')];
    await h.controller.reconcileOnce();
    assert.equal(ensures('v1'), v1Before, 'an idle version is not started again');
    assert.equal(ensures('v2'), v2Before + 1, 'the stable one is kept running');
    await assert.rejects(undoService({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop'), (error) => {
      assert.ok(isSluiceError(error) && error.code === ErrorCode.CONFLICT);
      assert.match(error.message, /v1 is idle since .* apply a rollout targeting v1/);
      return true;
    });
  });

  test('a rollout targeting an idle version starts it again and waits for it to be ready', async () => {
    const h = await promoted(true);
    h.clock.advance(30_000);
    await h.controller.reconcileOnce();
    const back = blueGreenRollout('shop-v1', 'v1', 'v2', { autoPromote: true, scaleDownDelayMs: 30_000 });
    await h.store.rollouts.save(createRollout(back.name, back.spec, 'v2', h.clock.now()), 0);
    await h.controller.reconcileOnce();
    assert.equal((await h.store.services.get('shop'))?.status.idle, undefined);
    const woken = (await h.store.events.list({ types: [EventType.WorkloadChanged] })).at(-1);
    assert.deepEqual([woken?.from, woken?.to, woken?.reason], ['idle', 'running', 'Version v1 starts again: rollout shop-v1 targets it']);
    assert.ok(h.runtime.list().some((w) => w.version === 'v1'), 'v1 runs again');
    for (let i = 0; i < 3; i++) await h.controller.reconcileOnce();
    assert.deepEqual([(await get(h, 'shop-v1')).status.phase, (await get(h, 'shop-v1')).status.canaryWeight], [Phase.Progressing, 0]);
    assert.match(whyWaiting(h, 'shop-v1'), /Waiting for every instance of v1 to be ready \(0 of 2\) before switching to it/);
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    for (let i = 0; i < 5; i++) await h.controller.reconcileOnce();
    assert.equal((await get(h, 'shop-v1')).status.phase, Phase.Succeeded);
    assert.equal((await h.store.services.get('shop'))?.status.warmUntil?.['v2'], h.clock.now() + 30_000, 'and now v2 is the warm blue');
  });

  test('undo within scaleDownDelay switches back to blue at once, and blue is never retired', async () => {
    const h = await promoted();
    h.clock.advance(10_000);
    const undone = await undoService({ store: h.store, clock: h.clock, actor: 'alice', readyBackends: () => ({ v1: ['fake:1'] }) }, 'shop');
    assert.equal(undone.status.stable, 'v1');
    await h.controller.reconcileOnce();
    assert.deepEqual([(await h.router.observeSplit('shop')).stable, (await h.router.observeSplit('shop')).weight], ['v1', 0]);
    h.clock.advance(60_000);
    await h.controller.reconcileOnce();
    assert.equal(h.runtime.calls.some((c) => c.op === 'retire'), false);
    assert.deepEqual((await h.store.services.get('shop'))?.status, { stable: 'v1', revision: 3 });
  });

  test('a failing post-promotion analysis switches back to blue: 100 % on v1 again, v2 not stable', async () => {
    const h = await setup();
    await run(h, 2 * INTERVAL);
    assert.equal((await get(h)).status.stepIndex, 3, 'switched; post-promotion analysis running');
    assert.equal((await h.router.observeSplit('shop')).weight, 100);
    h.provider.set('error-rate v2', 0.3);
    await run(h, INTERVAL);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.match(r.status.message, /All traffic is back on stable v1/);
    const served = await h.router.observeSplit('shop');
    assert.deepEqual([served.stable, served.weight, served.rules], ['v1', 0, undefined]);
    assert.equal(colorsOf(r)?.live, 'blue');
    const reasons = (await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' } })).map((e) => e.reason);
    assert.ok(reasons.some((x) => /Analysis failed/.test(x)), reasons.join('\n'));
    assert.deepEqual((await h.store.services.get('shop'))?.status, { stable: 'v1', revision: 1 });
  });

  test('the switch waits until every instance of green is ready: a full environment', async () => {
    const h = await setup({ autoPromote: true, scaleDownDelayMs: 30_000 }, true);
    await h.controller.reconcileOnce();
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    const first = h.runtime.status({ service: 'shop', version: 'v2' })?.instances[0]?.id;
    h.runtime.markReady({ service: 'shop', version: 'v2' }, first);
    await settle(h);
    assert.deepEqual([(await get(h)).status.stepIndex, (await get(h)).status.canaryWeight], [0, 0]);
    assert.match(whyWaiting(h, 'shop-v2'), /Waiting for every instance of v2 to be ready \(1 of 2\) before switching to it/);
    h.runtime.markReady({ service: 'shop', version: 'v2' });
    await settle(h);
    assert.equal((await get(h)).status.phase, Phase.Succeeded);
  });

  test('promote --full skips the analyses but still waits for every instance of green', async () => {
    const h = await setup(SPEC, true);
    await h.controller.reconcileOnce();
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    h.runtime.markReady({ service: 'shop', version: 'v2' }, h.runtime.status({ service: 'shop', version: 'v2' })?.instances[0]?.id);
    await settle(h);
    assert.equal((await get(h)).status.stepIndex, 1, 'one ready instance is enough for the preview');
    await promoteRollout({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop-v2', true);
    await settle(h);
    assert.deepEqual([(await get(h)).status.phase, (await h.router.observeSplit('shop')).weight], [Phase.Promoting, 0]);
    assert.match(whyWaiting(h, 'shop-v2'), /Waiting for every instance of v2 to be ready \(1 of 2\) before promoting/);
    h.runtime.markReady({ service: 'shop', version: 'v2' });
    await settle(h);
    assert.equal((await get(h)).status.phase, Phase.Succeeded);
  });

  test('with autoPromote off the rollout waits for promote before the switch', async () => {
    const { postPromotionAnalysis: _post, ...withoutPost } = SPEC;
    const h = await setup({ ...withoutPost, autoPromote: false });
    await run(h, 4 * INTERVAL);
    let r = await get(h);
    assert.deepEqual([r.status.phase, r.status.stepIndex, r.status.canaryWeight], [Phase.Paused, 2, 0]);
    await promoteRollout({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop-v2', false);
    await settle(h);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Succeeded);
    assert.equal((await h.store.services.get('shop'))?.status.stable, 'v2');
  });
});
