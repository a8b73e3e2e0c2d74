import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout, ManualClock, Phase, type Rollout } from '@sluice/domain';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { MetricSample } from '../store/store.js';
import { METRIC_RETENTION_MS, MetricHistory, type MetricHistoryScheduler } from './metric-history.js';
import { TrafficWindows } from './traffic-windows.js';
import { RECENT_ROLLOUT_MS } from './watched-rollouts.js';

const T0 = Date.UTC(2026, 0, 1);

const rollout = (name: string, service: string, target = 'v2'): Rollout =>
  createRollout(name, { service, target, strategy: { kind: 'canary', steps: [{ kind: 'setWeight', weight: 20 }] } }, 'v1', T0);

/** A scheduler the test fires by hand. */
function manualScheduler() {
  const pending: { run: () => void; delayMs: number; cancelled: boolean }[] = [];
  const scheduler: MetricHistoryScheduler = {
    schedule(run, delayMs) {
      const entry = { run, delayMs, cancelled: false };
      pending.push(entry);
      return { cancel: () => void (entry.cancelled = true) };
    },
  };
  return { scheduler, pending };
}

async function setup() {
  const clock = new ManualClock(T0 + 100);
  const store = new MemoryStore();
  const windows = new TrafficWindows({ clock });
  const history = new MetricHistory({ store, windows, clock });
  /** One second of traffic at the clock's second: stable 100 requests, no errors; canary 20 requests, 1 a 503 (5 %) and one a failed connection every 4 s. */
  const traffic = (second: number) => {
    for (let i = 0; i < 100; i++) windows.record({ service: 'shop', version: 'v1', route: 'split', status: 200, durationMs: 10 + (i % 10) });
    for (let i = 0; i < 20; i++) {
      const fail = i === 0;
      windows.record({ service: 'shop', version: 'v2', route: 'split', status: fail ? 503 : 200, durationMs: fail ? 900 : 30, ...(fail ? { cause: 'timeout' as const, error: 'upstream timed out' } : {}) });
    }
    if (second % 4 === 0) windows.record({ service: 'shop', version: 'v2', route: 'split', status: 502, durationMs: 1, cause: 'refused', error: 'connect ECONNREFUSED' });
    // A service without a rollout: never sampled.
    windows.record({ service: 'cart', version: 'v1', route: 'split', status: 200, durationMs: 5 });
  };
  const all = () => store.metricSamples.list({ service: 'shop', from: 0, to: T0 + 86_400_000 });
  return { clock, store, windows, history, traffic, all };
}

describe('MetricHistory', () => {
  test('writes one sample per version per second for a service with an active rollout, errors as the guard counts them', async () => {
    const { clock, store, history, traffic, all } = await setup();
    await store.rollouts.save(rollout('shop-v2', 'shop'), 0);
    for (let s = 0; s < 4; s++) {
      traffic(s);
      clock.advance(1000);
      await history.tick();
    }
    const samples = await all();
    assert.deepEqual(samples.map((x) => [x.version, x.at - T0]), [['v1', 0], ['v2', 0], ['v1', 1000], ['v2', 1000], ['v1', 2000], ['v2', 2000], ['v1', 3000], ['v2', 3000]]);
    const canary = samples.filter((x) => x.version === 'v2');
    assert.deepEqual(canary.map((x) => [x.requests, x.errors]), [[21, 2], [20, 1], [20, 1], [20, 1]]);
    const stable = samples.find((x) => x.version === 'v1') as MetricSample;
    assert.deepEqual([stable.requests, stable.errors], [100, 0]);
    assert.ok(stable.p50Ms !== null && Math.abs(stable.p50Ms - 14) <= 1, `stable p50 ${stable.p50Ms}`);
    assert.ok(canary[1]?.p99Ms !== null && Math.abs((canary[1]?.p99Ms ?? 0) - 900) <= 40, `canary p99 ${canary[1]?.p99Ms}`);
    assert.deepEqual(await store.metricSamples.list({ service: 'cart', from: 0, to: T0 + 10_000 }), []);
  });

  test('a rollout\'s stable and target get a sample every second even without traffic; other quiet versions do not', async () => {
    const { clock, store, windows, history, all } = await setup();
    await store.rollouts.save(rollout('shop-v3', 'shop', 'v3'), 0);
    windows.record({ service: 'shop', version: 'v9', route: 'split', status: 200, durationMs: 3 });
    clock.advance(1000);
    await history.tick();
    clock.advance(1000);
    await history.tick();
    const samples = await all();
    assert.deepEqual(samples.map((x) => [x.version, x.at - T0, x.requests, x.p50Ms === null]), [['v1', 0, 0, true], ['v3', 0, 0, true], ['v9', 0, 1, false], ['v1', 1000, 0, true], ['v3', 1000, 0, true]]);
  });

  test('samples a service for 10 minutes after its rollout ended, then stops; a late pass catches up on missed seconds', async () => {
    const { clock, store, history, traffic, all } = await setup();
    const saved = await store.rollouts.save(rollout('shop-v2', 'shop'), 0);
    await history.tick();
    clock.advance(2000);
    const endedAt = clock.now();
    await store.rollouts.save({ ...saved, status: { ...saved.status, phase: Phase.Succeeded, finishedAt: endedAt } }, saved.version);
    traffic(0);
    clock.advance(3000);
    await history.tick();
    // The first pass wrote the second before it; the pass 5 s later the five it missed, with the ended rollout's versions.
    assert.deepEqual((await all()).filter((x) => x.version === 'v2').map((x) => x.at - T0), [-1000, 0, 1000, 2000, 3000, 4000]);
    clock.set(endedAt + RECENT_ROLLOUT_MS - 1000);
    await history.tick();
    const before = (await all()).length;
    clock.advance(2000);
    await history.tick();
    assert.equal((await all()).length, before, 'nothing written once the rollout ended 10 minutes ago');
  });

  test('a control plane started after a rollout ended still samples its service until 10 minutes after the end', async () => {
    const { clock, store, windows, all } = await setup();
    const ended = rollout('shop-v2', 'shop');
    await store.rollouts.save({ ...ended, status: { ...ended.status, phase: Phase.Aborted, finishedAt: T0 } }, 0);
    const old = rollout('shop-v1', 'shop', 'v1');
    await store.rollouts.save({ ...old, status: { ...old.status, phase: Phase.Succeeded, finishedAt: T0 - RECENT_ROLLOUT_MS } }, 0);
    clock.advance(60_000);
    const history = new MetricHistory({ store, windows, clock });
    assert.equal(await history.tick(), 2);
    assert.deepEqual((await all()).map((x) => x.version), ['v1', 'v2']);
  });

  test('prunes samples older than 7 days at the first pass and then once an hour', async () => {
    const { clock, store, history } = await setup();
    const sample = (at: number): MetricSample => ({ service: 'old', version: 'v1', at, requests: 1, errors: 0, p50Ms: 1, p99Ms: 1 });
    const start = Math.floor(clock.now() / 1000) * 1000;
    await store.metricSamples.append([sample(start - METRIC_RETENTION_MS - 1000), sample(start - METRIC_RETENTION_MS + 30 * 60_000)]);
    await history.tick();
    const left = () => store.metricSamples.list({ service: 'old', from: 0, to: start });
    assert.equal((await left()).length, 1);
    clock.advance(59 * 60_000);
    await history.tick();
    assert.equal((await left()).length, 1, 'not pruned again within the hour');
    clock.advance(60_000 + 100);
    await history.tick();
    assert.equal((await left()).length, 0);
  });

  test('start runs a pass just after each whole second; stop cancels the timer and waits for the pass', async () => {
    const { clock, store, windows, all } = await setup();
    await store.rollouts.save(rollout('shop-v2', 'shop'), 0);
    const { scheduler, pending } = manualScheduler();
    const history = new MetricHistory({ store, windows, clock, scheduler });
    clock.set(T0 + 400);
    history.start();
    assert.equal(pending.length, 1);
    assert.equal(pending[0]?.delayMs, 700, 'fires 100 ms after the next whole second');
    clock.set(T0 + 1100);
    pending[0]?.run();
    await history.tick();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await all()).length, 2);
    assert.equal(pending.length, 2, 'the next pass is scheduled once one ends');
    assert.equal(pending[1]?.delayMs, 1000);
    clock.set(T0 + 2150);
    pending[1]?.run();
    await history.stop();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await all()).length, 4);
    assert.equal(pending.length, 2, 'no pass scheduled after stop');
  });
});
