import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblems } from './format-problems.js';

test('formatProblems writes one compiler-style line per problem', () => {
  const text = formatProblems([
    { file: 'shop.yaml', line: 22, col: 22, path: 'spec.strategy.canary.steps[0].setWeight', message: 'weight out of range', found: '150', expected: 'a number from 0 to 100' },
    { file: 'shop.yaml', line: 1, col: 1, message: 'no resources found' },
  ]);
  assert.equal(
    text,
    'shop.yaml:22:22: spec.strategy.canary.steps[0].setWeight: weight out of range (found 150; expected a number from 0 to 100)\n' +
      'shop.yaml:1:1: no resources found',
  );
});
