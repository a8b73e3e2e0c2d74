import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_READINESS } from '@sluice/domain';
import type { RunSpec } from '@sluice/domain';
import { instanceId, specHash } from './spec-hash.js';

const base: RunSpec = { command: 'node app.js', env: { A: '1', B: '2' }, replicas: 1, readiness: DEFAULT_READINESS, gracePeriodMs: 100 };

describe('specHash', () => {
  test('ignores env order, replicas, readiness and grace period', () => {
    const same: RunSpec = { ...base, env: { B: '2', A: '1' }, replicas: 5, readiness: { ...DEFAULT_READINESS, path: '/x' }, gracePeriodMs: 1 };
    assert.equal(specHash(same), specHash(base));
  });

  test('changes with command, env and cwd', () => {
    const hashes = new Set([
      specHash(base),
      specHash({ ...base, command: 'node other.js' }),
      specHash({ ...base, env: { A: '1', B: '3' } }),
      specHash({ ...base, cwd: 'sub' }),
    ]);
    assert.equal(hashes.size, 4);
  });
});

describe('instanceId', () => {
  test('adds the generation only after a replace', () => {
    assert.equal(instanceId('v2', 0, 0), 'v2-0');
    assert.equal(instanceId('v2', 1, 3), 'v2-1.3');
  });
});
