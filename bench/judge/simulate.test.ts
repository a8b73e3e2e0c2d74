import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binomial, exceedanceAfterScaling, mulberry32, normalUpperTail } from './simulate.js';

describe('judge simulation building blocks', () => {
  test('mulberry32 is deterministic per seed and uniform enough', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 5 }, () => a());
    assert.deepEqual(first, Array.from({ length: 5 }, () => b()));
    const c = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += c();
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01, `mean ${sum / 100_000}`);
  });

  test('binomial draws have the binomial mean and variance', () => {
    const random = mulberry32(1);
    const n = 200;
    const p = 0.05;
    const draws = Array.from({ length: 20_000 }, () => binomial(random, n, p));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
    assert.ok(Math.abs(mean - n * p) < 0.1, `mean ${mean}`);
    assert.ok(Math.abs(variance - n * p * (1 - p)) < 0.4, `variance ${variance}`);
    assert.equal(binomial(random, 0, 0.5), 0);
    assert.equal(binomial(random, 10, 1), 10);
    assert.equal(binomial(random, 10, 0), 0);
  });

  test('the normal tail and the +20 % p99 exceedance', () => {
    assert.ok(Math.abs(normalUpperTail(1.959964) - 0.025) < 1e-6);
    assert.ok(Math.abs(normalUpperTail(-1.959964) - 0.975) < 1e-6);
    assert.ok(Math.abs(exceedanceAfterScaling(1) - 0.01) < 1e-6, 'unscaled latency exceeds its own p99 1 % of the time');
    assert.ok(exceedanceAfterScaling(1.2) > 0.024 && exceedanceAfterScaling(1.2) < 0.026);
  });
});
