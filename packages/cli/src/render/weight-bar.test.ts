import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatPercent, splitLabel, weightBar, weightLine } from './weight-bar.js';

describe('weightBar', () => {
  test('weightBar fills one cell per 5 percent', () => {
    assert.equal(weightBar(20), '[████░░░░░░░░░░░░░░░░]');
    assert.equal(weightBar(0), '[░░░░░░░░░░░░░░░░░░░░]');
    assert.equal(weightBar(100), '[████████████████████]');
  });

  test('weightBar shows any canary traffic and never looks full below 100', () => {
    assert.equal(weightBar(0.5), '[█░░░░░░░░░░░░░░░░░░░]');
    assert.equal(weightBar(99.9), '[███████████████████░]');
  });

  test('weightBar clamps values outside 0..100', () => {
    assert.equal(weightBar(150), weightBar(100));
    assert.equal(weightBar(-3), weightBar(0));
  });
});

test('formatPercent drops trailing zeros and keeps 0.01 resolution', () => {
  assert.equal(formatPercent(20), '20%');
  assert.equal(formatPercent(0.5), '0.5%');
  assert.equal(formatPercent(100 - 33.33), '66.67%');
});

test('splitLabel puts the canary first', () => {
  assert.equal(splitLabel('v2', 'v1', 20), '20% v2 / 80% v1');
  assert.equal(weightLine('v2', 'v1', 20), '[████░░░░░░░░░░░░░░░░] 20% v2 / 80% v1');
});
