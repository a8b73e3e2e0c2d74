import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../analysis/seeded-random.js';
import {
  DEFAULT_ROLLING_UPDATE,
  isIntOrPercent,
  nextRollingStep,
  resolveRollingBounds,
  rollingBoundsProblem,
  rollingUpdateOf,
  scaledValue,
} from './rolling-update.js';
import type { IntOrPercent, RollingBounds, RollingCounts, RollingUpdateSpec } from './rolling-update.js';

const spec = (maxSurge: IntOrPercent, maxUnavailable: IntOrPercent): RollingUpdateSpec => ({ maxSurge, maxUnavailable, progressDeadlineMs: 1000 });

describe('rolling update bounds', () => {
  test('the defaults are Kubernetes\' 25 % / 25 % and a 10-minute progress deadline', () => {
    assert.deepEqual(rollingUpdateOf({}), { maxSurge: '25%', maxUnavailable: '25%', progressDeadlineMs: 600_000 });
    const declared = spec(2, 0);
    assert.equal(rollingUpdateOf({ rollingUpdate: declared }), declared);
  });

  test('a percentage of maxSurge rounds up, of maxUnavailable down', () => {
    const cases: [replicas: number, surge: number, unavailable: number][] = [
      [1, 1, 0],
      [3, 1, 0],
      [4, 1, 1],
      [5, 2, 1],
      [10, 3, 2],
      [32, 8, 8],
    ];
    for (const [replicas, surge, unavailable] of cases) {
      assert.deepEqual(resolveRollingBounds(DEFAULT_ROLLING_UPDATE, replicas), { maxSurge: surge, maxUnavailable: unavailable }, `${replicas} replicas`);
    }
    assert.equal(scaledValue('33%', 3, true), 1);
    assert.equal(scaledValue('34%', 3, true), 2);
    assert.equal(scaledValue('66%', 3, false), 1);
    assert.equal(scaledValue('100%', 7, false), 7);
    assert.equal(scaledValue(4, 2, false), 4, 'a count is taken as is');
  });

  test('both 0 is a problem to report, and the update itself falls back to maxUnavailable 1', () => {
    assert.match(rollingBoundsProblem(spec(0, 0), 3) ?? '', /maxSurge 0 and maxUnavailable 0 both come to 0 instances for 3 replica\(s\)/);
    assert.match(rollingBoundsProblem(spec('0%', '10%'), 3) ?? '', /maxSurge "0%" and maxUnavailable "10%" .* 3 replica/);
    assert.equal(rollingBoundsProblem(spec('0%', '10%'), 10), undefined, '10 % unavailable of 10 replicas is 1');
    assert.equal(rollingBoundsProblem(spec('1%', '0%'), 3), undefined, 'any surge percentage rounds up to 1');
    assert.equal(rollingBoundsProblem(spec(0, 1), 3), undefined);
    assert.equal(rollingBoundsProblem(spec(0, 0), 0), undefined, 'nothing to replace');
    assert.deepEqual(resolveRollingBounds(spec(0, 0), 3), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(resolveRollingBounds(spec('10%', '0%'), 3), { maxSurge: 1, maxUnavailable: 0 });
  });

  test('isIntOrPercent accepts whole numbers and "N%" only', () => {
    for (const ok of [0, 3, '0%', '25%', '100%']) assert.equal(isIntOrPercent(ok), true, String(ok));
    for (const bad of [-1, 1.5, '25', '2.5%', '%', 'x%', null]) assert.equal(isIntOrPercent(bad), false, String(bad));
  });
});

const counts = (c: Partial<RollingCounts> & { desired: number }): RollingCounts => ({
  old: 0,
  oldReady: 0,
  updated: 0,
  updatedAvailable: 0,
  leaving: 0,
  ...c,
});

describe('nextRollingStep', () => {
  test('surge 1, unavailable 0: one new instance, then an old one only once the new one is available', () => {
    const bounds = { maxSurge: 1, maxUnavailable: 0 };
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 3, oldReady: 3 }), bounds), { start: 1, removeUnready: 0, removeReady: 0 });
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 3, oldReady: 3, updated: 1 }), bounds), { start: 0, removeUnready: 0, removeReady: 0 });
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 3, oldReady: 3, updated: 1, updatedAvailable: 1 }), bounds), { start: 0, removeUnready: 0, removeReady: 1 });
    // The removed one still runs while it drains: no new start until it has exited.
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 2, oldReady: 2, updated: 1, updatedAvailable: 1, leaving: 1 }), bounds), { start: 0, removeUnready: 0, removeReady: 0 });
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 2, oldReady: 2, updated: 1, updatedAvailable: 1 }), bounds), { start: 1, removeUnready: 0, removeReady: 0 });
  });

  test('surge 0, unavailable 1: an old one goes first, then its replacement starts', () => {
    const bounds = { maxSurge: 0, maxUnavailable: 1 };
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 3, oldReady: 3 }), bounds), { start: 0, removeUnready: 0, removeReady: 1 });
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 2, oldReady: 2 }), bounds), { start: 1, removeUnready: 0, removeReady: 0 });
    assert.deepEqual(nextRollingStep(counts({ desired: 3, old: 2, oldReady: 2, updated: 1 }), bounds), { start: 0, removeUnready: 0, removeReady: 0 });
  });

  test('100 % surge starts every replacement at once', () => {
    assert.deepEqual(nextRollingStep(counts({ desired: 4, old: 4, oldReady: 4 }), { maxSurge: 4, maxUnavailable: 0 }), { start: 4, removeUnready: 0, removeReady: 0 });
    assert.deepEqual(
      nextRollingStep(counts({ desired: 4, old: 4, oldReady: 4, updated: 4, updatedAvailable: 3 }), { maxSurge: 4, maxUnavailable: 0 }),
      { start: 0, removeUnready: 0, removeReady: 3 },
    );
  });

  test('unready old instances are removed first and cost no availability', () => {
    const step = nextRollingStep(counts({ desired: 3, old: 3, oldReady: 1, updated: 1, updatedAvailable: 0 }), { maxSurge: 1, maxUnavailable: 0 });
    // total 4, minAvailable 3, one new unavailable: budget 0: nothing may go yet (Kubernetes keeps the headroom).
    assert.deepEqual(step, { start: 0, removeUnready: 0, removeReady: 0 });
    const later = nextRollingStep(counts({ desired: 3, old: 3, oldReady: 1, updated: 1, updatedAvailable: 1 }), { maxSurge: 1, maxUnavailable: 0 });
    assert.deepEqual(later, { start: 0, removeUnready: 1, removeReady: 0 });
    const crashed = nextRollingStep(counts({ desired: 3, old: 3, oldReady: 2 }), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(crashed, { start: 0, removeUnready: 1, removeReady: 0 });
  });

  test('a smaller desired count than the new instances starts nothing', () => {
    assert.deepEqual(nextRollingStep(counts({ desired: 2, old: 1, oldReady: 1, updated: 3, updatedAvailable: 3 }), { maxSurge: 1, maxUnavailable: 0 }), {
      start: 0,
      removeUnready: 0,
      removeReady: 1,
    });
  });
});

/** Instances of a simulated update: old ones, new ones (unready until the simulation makes them available), leaving ones. */
interface World {
  old: number;
  updated: number;
  updatedAvailable: number;
  leaving: number;
}

/** Runs an update to the end with events in a random order; returns the largest process count and smallest availability seen. */
function simulate(desired: number, bounds: RollingBounds, seed: number): { maxRunning: number; minAvailable: number; steps: number } {
  const random = mulberry32(seed);
  const world: World = { old: desired, updated: 0, updatedAvailable: 0, leaving: 0 };
  let maxRunning = desired;
  let minAvailable = desired;
  let steps = 0;
  while (world.old > 0 || world.updatedAvailable < desired || world.leaving > 0) {
    const step = nextRollingStep({ desired, oldReady: world.old, ...world }, bounds);
    world.updated += step.start;
    world.old -= step.removeReady;
    world.leaving += step.removeReady;
    maxRunning = Math.max(maxRunning, world.old + world.updated + world.leaving);
    minAvailable = Math.min(minAvailable, world.old + world.updatedAvailable);
    // One thing happens: a new instance becomes available, or a leaving one exits.
    const canReady = world.updated > world.updatedAvailable;
    if (canReady && (world.leaving === 0 || random() < 0.5)) world.updatedAvailable += 1;
    else if (world.leaving > 0) world.leaving -= 1;
    else if (step.start + step.removeReady === 0) assert.fail(`stuck at ${JSON.stringify(world)} with ${JSON.stringify(bounds)}`);
    if (++steps > 1000) assert.fail('no end');
  }
  return { maxRunning, minAvailable, steps };
}

describe('a simulated update under every bound', () => {
  test('never runs more than desired + maxSurge processes, never has fewer than desired − maxUnavailable available, and finishes', () => {
    for (let desired = 1; desired <= 6; desired++) {
      for (let surge = 0; surge <= desired; surge++) {
        for (let unavailable = 0; unavailable <= desired; unavailable++) {
          const bounds = resolveRollingBounds(spec(surge, unavailable), desired);
          for (let seed = 1; seed <= 5; seed++) {
            const seen = simulate(desired, bounds, seed * 7919 + desired);
            const where = `desired ${desired}, surge ${bounds.maxSurge}, unavailable ${bounds.maxUnavailable}, seed ${seed}`;
            assert.ok(seen.maxRunning <= desired + bounds.maxSurge, `${where}: ${seen.maxRunning} running`);
            assert.ok(seen.minAvailable >= desired - bounds.maxUnavailable, `${where}: ${seen.minAvailable} available`);
          }
        }
      }
    }
  });

  test('the bounds are reached, not just respected: 100 % surge runs twice the replicas', () => {
    assert.equal(simulate(4, { maxSurge: 4, maxUnavailable: 0 }, 1).maxRunning, 8);
    assert.equal(simulate(4, { maxSurge: 0, maxUnavailable: 2 }, 1).minAvailable, 2);
  });
});
