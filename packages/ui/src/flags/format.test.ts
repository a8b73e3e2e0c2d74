import assert from 'node:assert/strict';
import { test } from 'node:test';
import { environmentsOf } from './environments';
import { ago, percent, targeting } from './format';

test('percent, targeting and ago read as the CLI prints them', () => {
  assert.equal(percent(25), '25 %');
  assert.equal(percent(0.5), '0.5 %');
  assert.equal(percent(12.25), '12.25 %');
  assert.equal(targeting(0, 0), '');
  assert.equal(targeting(1, 2), '1 rule, 2 overrides');
  // The wording follows the browser's locale; the number does not.
  assert.match(ago(1_000_000 - 3 * 60_000, 1_000_000), /3/);
  assert.doesNotMatch(ago(1_000_000 - 3 * 60_000, 1_000_000), /180/);
});

test('environmentsOf: the standard three, then other environments flags name', () => {
  const flag = (envs: string[]) => ({ environments: Object.fromEntries(envs.map((e) => [e, { enabled: true, rollout: 100, rules: 0, overrides: 0 }])) }) as never;
  assert.deepEqual(environmentsOf([]), ['development', 'staging', 'production']);
  assert.deepEqual(environmentsOf([flag(['qa', 'production']), flag(['eu-prod'])]), ['development', 'staging', 'production', 'eu-prod', 'qa']);
});
