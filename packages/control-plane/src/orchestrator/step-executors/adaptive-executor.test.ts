import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  EventType,
  ManualClock,
  Phase,
  requestAbort,
  requestPromote,
  type AdaptiveStep,
  type MeasurementRecord,
  type MetricCheck,
  type ReleaseEvent,
  type Rollout,
  type RolloutChange,
  type Step,
  type TrafficSplit,
} from '@sluice/domain';
import { silentLogger } from '../../platform/logger.js';
import { MemoryMetricProvider } from '../../providers/in-memory/memory-provider.js';
import { MemoryRuntime } from '../../runtime/in-memory/memory-runtime.js';
import { MemoryStore } from '../../store/memory/memory-store.js';
import type { Store } from '../../store/store.js';
import { MemoryRouter } from '../../traffic/in-memory/memory-router.js';
import { commitChange } from '../commit.js';
import { Controller } from '../controller.js';
import { StepExecutorRegistry } from '../step-executor.js';
import { seed, settle, shopRollout, T0, type Harness } from '../testing/fixtures.js';
import { createAdaptiveExecutor } from './adaptive-executor.js';
import { pauseExecutor } from './pause-executor.js';
import { setWeightExecutor } from './set-weight-executor.js';

const MINUTE = 60_000;
const HEALTHY: MetricCheck = { provider: { kind: 'builtin' }, query: 'error-rate {{version}}', judge: { kind: 'threshold', successCondition: 'result < 0.01' }, timeoutMs: 1_000, retries: 0 };

const adaptive = (over: Partial<AdaptiveStep> = {}): AdaptiveStep => ({
  kind: 'adaptive',
  startWeight: 1,
  factor: 2,
  maxWeight: 100,
  healthyForMs: MINUTE,
  healthy: HEALTHY,
  onBreach: 'rollback',
  ...over,
});

/** A data plane that can fall behind: while `frozen`, it accepts splits without serving them. */
class LaggingRouter extends MemoryRouter {
  frozen = false;

  override async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    if (!this.frozen) await super.setSplit(service, split, signal);
  }
}

interface Setup extends Harness {
  readonly provider: MemoryMetricProvider;
}

/** A controller over in-memory adapters with the adaptive executor registered, on a healthy canary. */
function controllerFor(store: Store, clock: ManualClock, router: MemoryRouter, provider: MemoryMetricProvider): Setup {
  const runtime = new MemoryRuntime({ manualReadiness: false });
  const executors = new StepExecutorRegistry().register(setWeightExecutor).register(pauseExecutor).register(createAdaptiveExecutor({ providers: () => provider }));
  const controller = new Controller({ store, traffic: router, runtime, executors, clock, log: silentLogger });
  return { store, clock, router, runtime, controller, provider };
}

async function setup(steps: Step[], router: MemoryRouter = new MemoryRouter()): Promise<Setup> {
  const store = new MemoryStore();
  await seed(store, shopRollout(steps));
  return controllerFor(store, new ManualClock(T0), router, new MemoryMetricProvider({ 'error-rate v2': 0.001 }));
}

const get = async (h: Harness): Promise<Rollout> => {
  const r = await h.store.rollouts.get('shop-v2');
  assert.ok(r);
  return r;
};

/** Settles, then advances the clock by `ms` in steps of `tick`, settling after each. */
async function run(h: Harness, ms: number, tick = 10_000): Promise<void> {
  await settle(h);
  for (let t = 0; t < ms; t += tick) {
    h.clock.advance(tick);
    await settle(h);
  }
}

async function act(h: Harness, decide: (r: Rollout, now: number) => RolloutChange): Promise<void> {
  const base = await get(h);
  await commitChange(h.store, { rollout: decide(base, h.clock.now()), base }, { actor: 'alice', at: h.clock.now() });
}

const events = (h: Harness, type: EventType): Promise<readonly ReleaseEvent[]> => h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' }, types: [type] });
const weights = async (h: Harness) => (await events(h, EventType.WeightChanged)).map((e) => ({ to: Number(e.to), at: e.at }));
const measurements = async (h: Harness) => (await events(h, EventType.AnalysisMeasured)).map((e) => ({ at: e.at, record: e.data as unknown as MeasurementRecord }));

describe('adaptive executor', () => {
  test('ramps 1 → 2 → 4 … → 100 while healthy, each weight held for healthyFor, then succeeds', async () => {
    const h = await setup([adaptive()]);
    await run(h, 8 * MINUTE);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Succeeded, r.status.message);
    const ramp = await weights(h);
    assert.deepEqual(ramp.map((w) => w.to), [1, 2, 4, 8, 16, 32, 64, 100]);
    ramp.slice(1).forEach((w, i) => assert.ok(w.at - (ramp[i]?.at ?? 0) >= MINUTE, `${w.to}% came ${w.at - (ramp[i]?.at ?? 0)}ms after the previous weight`));
    assert.equal(ramp[0]?.at, T0);

    const log = await measurements(h);
    assert.deepEqual(log.map((m) => m.record.metric), ramp.map((w) => `healthy at ${w.to}%`));
    for (const [i, { at, record }] of log.entries()) {
      assert.equal(record.result, 'pass');
      assert.equal(record.source, 'step');
      assert.equal(record.step, 0);
      assert.equal(record.queries['canary'], 'error-rate v2');
      assert.deepEqual(record.window, { fromMs: ramp[i]?.at, toMs: at }, 'each check judges the whole period at its weight');
      assert.equal(at - (ramp[i]?.at ?? 0), MINUTE);
    }
    const [completed] = await events(h, EventType.StepCompleted);
    assert.equal(completed?.at, T0 + 8 * MINUTE);
    assert.match(completed?.reason ?? '', /healthy at 100% for 1m .*maxWeight 100% reached/);
    const served = await h.router.observeSplit('shop');
    assert.deepEqual([served.stable, served.weight], ['v2', 0], 'v2 is the stable version');
  });

  test('an increment ramps in equal steps and stops at maxWeight; the next step follows', async () => {
    const { factor: _, ...byFactor } = adaptive({ startWeight: 10, maxWeight: 50 });
    const h = await setup([{ ...byFactor, increment: 15 }, { kind: 'pause' }]);
    await run(h, 4 * MINUTE);
    const r = await get(h);
    assert.deepEqual((await weights(h)).map((w) => w.to), [10, 25, 40, 50]);
    assert.equal(r.status.stepIndex, 1);
    assert.equal(r.status.phase, Phase.Paused);
    assert.equal(r.status.canaryWeight, 50);
  });

  test('a ramp smaller than the 0.01 grid still moves one bucket at a time, on the grid exactly', async () => {
    const { factor: _, ...byFactor } = adaptive({ startWeight: 0.07, maxWeight: 0.1 });
    const h = await setup([{ ...byFactor, increment: 0.001 }, { kind: 'pause' }]);
    await run(h, 4 * MINUTE);
    assert.deepEqual((await weights(h)).map((w) => w.to), [0.07, 0.08, 0.09, 0.1]);
    assert.equal((await get(h)).status.stepIndex, 1);
  });

  test('the healthy clock starts only once the data plane serves the weight', async () => {
    const router = new LaggingRouter();
    router.frozen = true;
    const h = await setup([adaptive({ maxWeight: 2 })], router);
    await run(h, 2 * MINUTE);
    const lagging = await get(h);
    const lagEnd = h.clock.now();
    assert.equal(lagging.status.canaryWeight, 1, 'the weight is wanted');
    assert.equal((await h.router.observeSplit('shop')).weight, 0, 'but not served');
    assert.equal(lagging.status.stepState?.adaptive?.since, lagEnd, 'the period keeps restarting while the data plane lags');
    assert.match(lagging.status.message, /waiting for the data plane to serve 1% on v2; the healthy period starts once it does/);
    assert.deepEqual(await measurements(h), []);
    await settle(h);
    assert.equal((await get(h)).version, lagging.version, 'another pass at the same moment commits nothing');

    router.frozen = false;
    await run(h, MINUTE);
    const ramp = await weights(h);
    assert.deepEqual(ramp.map((w) => [w.to, w.at]), [[1, T0], [2, lagEnd + MINUTE]]);
    const [first] = await measurements(h);
    assert.deepEqual(first?.record.window, { fromMs: lagEnd, toMs: lagEnd + MINUTE });
  });

  test('a failed check at the first breach rolls back, with the evidence in the reason', async () => {
    const h = await setup([adaptive()]);
    await run(h, 2 * MINUTE);
    h.provider.set('error-rate v2', 0.2);
    await run(h, MINUTE);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.deepEqual((await weights(h)).map((w) => w.to), [1, 2, 4]);
    const observed = await h.router.observeSplit('shop');
    assert.equal(observed.weight, 0);
    assert.equal(observed.stable, 'v1');
    const last = (await measurements(h)).at(-1);
    assert.equal(last?.record.result, 'fail');
    const [phase] = (await events(h, EventType.PhaseChanged)).filter((e) => e.to === Phase.Aborting);
    assert.match(phase?.reason ?? '', /^Adaptive step 1: health check failed at 4% on v2: .*0\.2.*; rolling back$/);
  });

  test('with onBreach pause a failed check holds the rollout at its weight; promote restarts the period and the ramp goes on', async () => {
    const h = await setup([adaptive({ maxWeight: 8, onBreach: 'pause' })]);
    await run(h, MINUTE);
    h.provider.set('error-rate v2', 0.2);
    await run(h, MINUTE);
    let r = await get(h);
    assert.equal(r.status.phase, Phase.Paused);
    assert.equal(r.status.hold?.source, 'adaptive');
    assert.match(r.status.hold?.reason ?? '', /^Adaptive step 1: health check failed at 2% on v2: .*Promote to go on at 2%, or abort to roll back$/);
    assert.equal(r.status.canaryWeight, 2);
    assert.equal((await h.router.observeSplit('shop')).weight, 2);
    await run(h, 5 * MINUTE);
    assert.equal((await measurements(h)).length, 2, 'a held ramp measures nothing more');
    const outcome = h.controller.outcome('shop-v2');
    assert.match(outcome?.kind === 'waiting' ? outcome.why : '', /Promote to go on at 2%, or abort to roll back \(waiting for a person\)$/);

    h.provider.set('error-rate v2', 0.001);
    const promotedAt = h.clock.now();
    await act(h, (base, now) => requestPromote(base, false, now));
    await run(h, 3 * MINUTE);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Succeeded, r.status.message);
    const ramp = await weights(h);
    assert.deepEqual(ramp.map((w) => w.to), [1, 2, 4, 8, 100], 'promotion takes the last step to 100%');
    assert.equal(ramp[2]?.at, promotedAt + MINUTE, 'the first weight after the promote waits a whole new period');
  });

  test('a person may abort a held ramp', async () => {
    const h = await setup([adaptive({ onBreach: 'pause' })]);
    h.provider.set('error-rate v2', 0.2);
    await run(h, MINUTE);
    await act(h, (base, now) => requestAbort(base, 'user', 'not today', now));
    await run(h, 0);
    assert.equal((await get(h)).status.phase, Phase.Aborted);
  });

  test('no data, provider errors and inconclusive checks never ramp: the next period is judged again', async () => {
    const h = await setup([adaptive({ maxWeight: 4 })]);
    h.provider.set('error-rate v2', { noData: 'no series' });
    await run(h, 2 * MINUTE);
    let r = await get(h);
    assert.equal(r.status.canaryWeight, 1);
    assert.match(r.status.message, /^Adaptive step 1: health check at 1% had no data \(.*no series\); not ramping, retrying over the next 1m$/);
    const outcome = h.controller.outcome('shop-v2');
    assert.match(outcome?.kind === 'waiting' ? outcome.why : '', /had no data .*not ramping.*Holding 1% on v2; health check at /);
    h.provider.up = false;
    await run(h, MINUTE);
    r = await get(h);
    assert.match(r.status.message, /health check at 1% could not be measured .*not ramping/);
    assert.deepEqual((await measurements(h)).map((m) => m.record.result), ['no-data', 'no-data', 'error']);

    h.provider.up = true;
    h.provider.set('error-rate v2', 0.001);
    await run(h, 3 * MINUTE);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Succeeded, r.status.message);
    assert.deepEqual((await weights(h)).map((w) => w.to), [1, 2, 4, 100]);
  });

  test('a restarted controller continues the same period: no weight twice, none early', async () => {
    const first = await setup([adaptive({ maxWeight: 8 })]);
    await run(first, 90_000);
    assert.equal((await get(first)).status.canaryWeight, 2);
    const second = controllerFor(first.store, first.clock, first.router, first.provider);
    await run(second, 30_000);
    assert.equal((await get(second)).status.canaryWeight, 4, 'the period that began before the restart ends on time');
    await run(second, 2 * MINUTE);
    assert.equal((await get(second)).status.phase, Phase.Succeeded);
    const ramp = await weights(second);
    assert.deepEqual(ramp.map((w) => [w.to, w.at - T0]), [[1, 0], [2, MINUTE], [4, 2 * MINUTE], [8, 3 * MINUTE], [100, 4 * MINUTE]]);
  });
});
