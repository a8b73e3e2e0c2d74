import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import { resolveHealthCheck } from './health-checker.js';
import { limitFailure } from './proxy-error.js';
import { DEFAULT_LIMITS, resolveLimits } from './proxy-limits.js';

test('resolveLimits overrides only the fields given and keeps the defaults of the brief', () => {
  assert.deepEqual(DEFAULT_LIMITS, {
    maxHeaderBytes: 16384,
    maxBodyBytes: 104857600,
    connectTimeoutMs: 5000,
    headersTimeoutMs: 30000,
    idleTimeoutMs: 60000,
    requestTimeoutMs: 300000,
  });
  assert.equal(resolveLimits('x', DEFAULT_LIMITS, undefined), DEFAULT_LIMITS);
  const limits = resolveLimits('x', DEFAULT_LIMITS, { maxBodyBytes: 10, requestTimeoutMs: 0 });
  assert.deepEqual([limits.maxBodyBytes, limits.requestTimeoutMs, limits.maxHeaderBytes], [10, 0, 16384]);
});

test('resolveLimits rejects zero, negative and fractional limits with INVALID_SPEC naming the limit', () => {
  for (const [bad, name] of [[{ maxBodyBytes: 0 }, 'maxBodyBytes'], [{ idleTimeoutMs: -1 }, 'idleTimeoutMs'], [{ requestTimeoutMs: 0.5 }, 'requestTimeoutMs']] as const) {
    assert.throws(
      () => resolveLimits('route "shop"', DEFAULT_LIMITS, bad),
      (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_SPEC' && e.message.includes(name) && e.message.includes('route "shop"'),
    );
  }
});

test('limitFailure names the limit, its value and unit, and picks the catalog code by status', () => {
  const f = limitFailure(413, 'limit', 'the body is too large', DEFAULT_LIMITS, 'maxBodyBytes');
  assert.equal(f.message, 'the body is too large (limit maxBodyBytes = 104857600 bytes)');
  assert.deepEqual([f.code, f.limit, f.value], ['PAYLOAD_TOO_LARGE', 'maxBodyBytes', 104857600]);
  assert.equal(limitFailure(504, 'timeout', 'slow', DEFAULT_LIMITS, 'headersTimeoutMs').code, 'ADAPTER_FAILED');
  assert.equal(limitFailure(408, 'limit', 'slow', DEFAULT_LIMITS, 'idleTimeoutMs').code, 'INVALID_REQUEST');
});

test('resolveHealthCheck fills defaults and rejects a relative path or a zero threshold', () => {
  assert.deepEqual(resolveHealthCheck('x', { path: '/healthz' }), { path: '/healthz', intervalMs: 5000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 3 });
  assert.throws(() => resolveHealthCheck('x', { path: 'healthz' }), /must start with "\/"/);
  assert.throws(() => resolveHealthCheck('x', { unhealthyThreshold: 0 }), /unhealthyThreshold/);
});
