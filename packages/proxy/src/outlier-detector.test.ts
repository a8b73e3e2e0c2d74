import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import { DEFAULT_OUTLIER_POLICY, OutlierDetector, resolveOutlierPolicy } from './outlier-detector.js';
import { ManualTimers } from './testing/manual-timers.js';
import { UpstreamInstance } from './upstream-instance.js';

function instances(n: number): UpstreamInstance[] {
  return Array.from({ length: n }, (_, i) => new UpstreamInstance(new URL(`http://127.0.0.1:${1000 + i}`), `http://127.0.0.1:${1000 + i}`));
}

test('OutlierDetector ejects after N failures in a row; a success in between resets the count', () => {
  const timers = new ManualTimers();
  const detector = new OutlierDetector({ ...DEFAULT_OUTLIER_POLICY, consecutiveFailures: 3 }, timers);
  const pool = instances(4);
  const [a] = pool as [UpstreamInstance];
  detector.failure(a, pool);
  detector.failure(a, pool);
  detector.success(a);
  detector.failure(a, pool);
  detector.failure(a, pool);
  assert.equal(a.available, true);
  detector.failure(a, pool);
  assert.equal(a.available, false);
  assert.equal(a.state, 'ejected');
  timers.advance(30_000);
  assert.equal(a.available, true);
  assert.equal(a.consecutiveFailures, 0);
});

test('OutlierDetector grows ejections linearly up to the maximum and forgets them after a good spell', () => {
  const timers = new ManualTimers();
  const detector = new OutlierDetector({ consecutiveFailures: 1, baseEjectionMs: 100, maxEjectionMs: 250, maxEjectedPercent: 50 }, timers);
  const pool = instances(2);
  const [a] = pool as [UpstreamInstance];
  const lengths: number[] = [];
  for (let i = 0; i < 3; i++) {
    detector.failure(a, pool);
    lengths.push(a.ejectedUntil - timers.now());
    timers.advance(a.ejectedUntil - timers.now());
  }
  assert.deepEqual(lengths, [100, 200, 250]);
  timers.advance(100);
  detector.success(a);
  assert.equal(a.ejections, 0);
});

test('OutlierDetector never ejects more than maxEjectedPercent of a pool, nor when turned off', () => {
  const timers = new ManualTimers();
  const detector = new OutlierDetector({ ...DEFAULT_OUTLIER_POLICY, consecutiveFailures: 1 }, timers);
  const pool = instances(3);
  for (const instance of pool) detector.failure(instance, pool);
  assert.deepEqual(pool.map((i) => i.state), ['ejected', 'healthy', 'healthy']);
  const off = new OutlierDetector({ ...DEFAULT_OUTLIER_POLICY, consecutiveFailures: 0 }, timers);
  const others = instances(2);
  for (let i = 0; i < 10; i++) off.failure(others[0]!, others);
  assert.equal(others[0]?.state, 'healthy');
  assert.equal(others[0]?.consecutiveFailures, 10);
  for (const instance of [...pool, ...others]) instance.agent.destroy();
});

test('resolveOutlierPolicy rejects negative, fractional and out-of-range values with INVALID_SPEC', () => {
  assert.equal(resolveOutlierPolicy('x', DEFAULT_OUTLIER_POLICY, { baseEjectionMs: 10 }).baseEjectionMs, 10);
  for (const bad of [{ consecutiveFailures: -1 }, { baseEjectionMs: 1.5 }, { maxEjectedPercent: 101 }]) {
    assert.throws(() => resolveOutlierPolicy('route "shop"', DEFAULT_OUTLIER_POLICY, bad), (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_SPEC' && e.message.includes('route "shop"'));
  }
});
