import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRollout } from './flags-api';

test('parseRollout: a percent from 0 to 100 in steps of 0.01', () => {
  assert.deepEqual(parseRollout('12.5'), { value: 12.5 });
  assert.deepEqual(parseRollout(' 0 '), { value: 0 });
  assert.deepEqual(parseRollout('100'), { value: 100 });
  assert.deepEqual(parseRollout('0,25'), { value: 0.25 });
  assert.match((parseRollout('12.345') as { error: string }).error, /steps of 0\.01/);
  assert.match((parseRollout('100.01') as { error: string }).error, /At most 100/);
  assert.match((parseRollout('-1') as { error: string }).error, /Not a number/);
  assert.match((parseRollout('') as { error: string }).error, /Enter a percent/);
});
