import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canaryStoppedAt, censoredMedian, countBetween, exposureTrafficMinutes, lognormalDelayMs, median, modeByName, summarizeMode } from './measure.js';
import type { RunResult } from './measure.js';

function run(overrides: Partial<RunResult>): RunResult {
  return {
    mode: 'x10', index: 1, service: 's', secondsToStable: 3, secondsToFailed: 3.1, rolledBack: true, rolledBackBeforeOnset: false,
    finalPhase: 'Failed', breaches: ['error-rate'], breachReasons: ['why'], canaryRequests: 150, canaryFailed: 8, totalRequests: 300,
    windowMs: 3_000, trafficMinutes: 0.025, achievedRps: 100, proxyErrors: 0, proxyErrorKinds: {}, capSeconds: 20, guardSeen: true,
    ...overrides,
  };
}

describe('guardian benchmark measures', () => {
  test('exposure is the canary share × minutes: 50 % for 6 s is 0.05 traffic-minutes', () => {
    assert.equal(exposureTrafficMinutes(300, 600, 6_000), 0.05);
    assert.equal(exposureTrafficMinutes(6_000, 6_000, 60_000), 1, '100 % for a minute');
    // The same canary requests over a longer window at the same rate: the share falls, the exposure stays.
    assert.ok(Math.abs(exposureTrafficMinutes(300, 1_200, 12_000) - 0.05) < 1e-12);
    assert.equal(exposureTrafficMinutes(0, 0, 5_000), 0);
    assert.equal(exposureTrafficMinutes(10, 20, 0), 0);
  });

  test('countBetween counts ascending times in [from, to)', () => {
    const times = [1, 2, 2, 3, 5, 8];
    assert.equal(countBetween(times, 2), 5);
    assert.equal(countBetween(times, 2, 5), 3);
    assert.equal(countBetween(times, 9), 0);
    assert.equal(countBetween([], 0), 0);
    assert.equal(countBetween(times, Number.NEGATIVE_INFINITY, 3), 3);
  });

  test('the canary has stopped at its last request once enough requests reached stable after it', () => {
    const stable = Array.from({ length: 200 }, (_, i) => 1_000 + i * 10);
    assert.equal(canaryStoppedAt([500, 900, 1_040], stable, 150), 1_040, '196 stable requests after 1040');
    assert.equal(canaryStoppedAt([500, 2_600], stable, 150), undefined, 'only 4 stable requests after it: may still be serving');
    assert.equal(canaryStoppedAt([], stable, 150), undefined, 'never served: nothing to say');
  });

  test('medians, and runs that never got there counted as +∞', () => {
    assert.equal(median([]), null);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(censoredMedian([1, 2, null]), 2);
    assert.equal(censoredMedian([1, null, null]), null);
    assert.equal(censoredMedian([1, 2, null, null]), null, 'the middle pair holds a never');
    assert.equal(censoredMedian([]), null);
  });

  test('a mode row: censored median, max of those that stopped, unmeasured runs left out', () => {
    const results = [
      run({ secondsToStable: 2 }),
      run({ secondsToStable: 4, trafficMinutes: 0.04 }),
      run({ secondsToStable: null, secondsToFailed: null, rolledBack: false, trafficMinutes: 0.2, breaches: [] }),
      run({ error: 'setup failed', secondsToStable: null }),
      run({ mode: 'healthy', secondsToStable: null }),
    ];
    const row = summarizeMode(modeByName('x10'), results);
    assert.equal(row.runs, 4);
    assert.equal(row.measured, 3);
    assert.equal(row.stopped, 2);
    assert.equal(row.rolledBack, 2);
    assert.equal(row.medianSeconds, 4);
    assert.equal(row.maxSeconds, 4);
    assert.equal(row.medianTrafficMinutes, 0.04);
    assert.equal(row.maxTrafficMinutes, 0.2);
    assert.equal(row.breaches, 'error-rate 2');
  });

  test('lognormal delays have the configured median', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const delays = Array.from({ length: 20_001 }, () => lognormalDelayMs(random, 20, 0.5));
    const m = median(delays)!;
    assert.ok(m > 19 && m < 21, `median ${m}`);
    assert.ok(Math.max(...delays) <= 400, 'capped at 20 × the median');
    assert.ok(Math.min(...delays) > 0);
  });
});
