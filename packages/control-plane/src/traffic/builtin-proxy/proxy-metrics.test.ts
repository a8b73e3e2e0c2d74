import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { bindProxyMetrics } from './proxy-metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('bindProxyMetrics counts requests by code, errors by version, and durations in seconds', async () => {
  const registry = new Registry();
  const observe = bindProxyMetrics(registry);
  observe({ service: 'shop', version: 'v1', route: 'split', status: 200, durationMs: 4 });
  observe({ service: 'shop', version: 'v1', route: 'split', status: 200, durationMs: 30 });
  observe({ service: 'shop', version: 'v2', route: 'split', status: 503, durationMs: 1, error: 'no ready instance' });
  observe({ service: 'shop', version: 'v2', route: 'split', status: 200, durationMs: 2, error: 'upstream closed mid-response' });
  observe({ service: 'shop', version: 'v2', route: 'split', status: 499, durationMs: 2 });
  const text = await registry.metrics();
  assert.equal(sample(text, 'sluice_proxy_requests_total{service="shop",version="v1",code="200"}'), 2);
  assert.equal(sample(text, 'sluice_proxy_requests_total{service="shop",version="v2",code="503"}'), 1);
  assert.equal(sample(text, 'sluice_proxy_requests_total{service="shop",version="v2",code="499"}'), 1);
  assert.equal(sample(text, 'sluice_proxy_errors_total{service="shop",version="v1"}'), 0);
  assert.equal(sample(text, 'sluice_proxy_errors_total{service="shop",version="v2"}'), 2);
  assert.equal(sample(text, 'sluice_proxy_request_duration_seconds_count{service="shop",version="v1"}'), 2);
  assert.equal(sample(text, 'sluice_proxy_request_duration_seconds_sum{service="shop",version="v1"}'), 0.034);
  assert.equal(sample(text, 'sluice_proxy_request_duration_seconds_bucket{le="0.005",service="shop",version="v1"}'), 1);
  assert.equal(sample(text, 'sluice_proxy_request_duration_seconds_bucket{le="10",service="shop",version="v1"}'), 2);
});

test('bindProxyMetrics can bind twice to one registry and shares the series', async () => {
  const registry = new Registry();
  bindProxyMetrics(registry)({ service: 's', version: 'v', route: 'split', status: 200, durationMs: 1 });
  bindProxyMetrics(registry)({ service: 's', version: 'v', route: 'split', status: 200, durationMs: 1 });
  assert.equal(sample(await registry.metrics(), 'sluice_proxy_requests_total{service="s",version="v",code="200"}'), 2);
});
