import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable, truncate } from './table.js';

test('renderTable aligns columns with two spaces and no trailing blanks', () => {
  assert.deepEqual(renderTable(['NAME', 'PHASE'], [['shop-v2', 'Paused'], ['a', '']]), [
    'NAME     PHASE',
    'shop-v2  Paused',
    'a',
  ]);
});

test('truncate cuts to the width with an ellipsis', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
  assert.equal(truncate('█░█░', 3), '█░…');
});
