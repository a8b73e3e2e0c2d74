import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HEALTH_CHECK, DEFAULT_OUTLIER_POLICY } from '@sluice/proxy';
import { PROXY_TIMING_DEFAULTS } from '@sluice/spec';

// The spec checks `timeout < interval` and `baseEjectionTime <= maxEjectionTime` against the default
// of the setting left out; those defaults must be the ones the built-in proxy applies.
test('the spec checks proxy timings against the built-in proxy defaults', () => {
  assert.deepEqual(PROXY_TIMING_DEFAULTS, {
    baseEjectionMs: DEFAULT_OUTLIER_POLICY.baseEjectionMs,
    maxEjectionMs: DEFAULT_OUTLIER_POLICY.maxEjectionMs,
    healthCheckIntervalMs: DEFAULT_HEALTH_CHECK.intervalMs,
    healthCheckTimeoutMs: DEFAULT_HEALTH_CHECK.timeoutMs,
  });
});
