import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineUpstreamUse } from './upstream-use.js';

test('combineUpstreamUse: routed by all only when every part routes it; in-flight requests summed', () => {
  assert.deepEqual(combineUpstreamUse([{ routed: 'all', inflight: 1 }, { routed: 'all', inflight: 2 }]), { routed: 'all', inflight: 3 });
  assert.deepEqual(combineUpstreamUse([{ routed: 'all', inflight: 0 }, { routed: 'none', inflight: 4 }]), { routed: 'some', inflight: 4 });
  assert.deepEqual(combineUpstreamUse([{ routed: 'none', inflight: 0 }, { routed: 'none', inflight: 1 }]), { routed: 'none', inflight: 1 });
  assert.deepEqual(combineUpstreamUse([]), { routed: 'none', inflight: 0 }, 'no process: nothing routes it');
});
