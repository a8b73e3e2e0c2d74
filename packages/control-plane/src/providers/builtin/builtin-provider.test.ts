import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficWindows } from '../../metrics/traffic-windows.js';
import { metricProviderContract } from '../metric-provider.contract.js';
import { BuiltinMetricProvider } from './builtin-provider.js';

const NOW = 1_800_000_000_000;

/** Real traffic windows, fed 100 requests to shop v2 (3 errors) over the last 10 s. */
function windows(): TrafficWindows {
  const traffic = new TrafficWindows({ clock: { now: () => NOW } });
  for (let i = 0; i < 100; i++) {
    traffic.record({ service: 'shop', version: 'v2', route: 'split', status: i < 3 ? 503 : 200, durationMs: 10 + (i % 10), ...(i < 3 ? { cause: 'reset' as const, error: 'upstream reset' } : {}) });
  }
  return traffic;
}

const window = { fromMs: NOW - 10_000, toMs: NOW + 1000 };

metricProviderContract('builtin (traffic windows)', async () => ({
  provider: new BuiltinMetricProvider(windows()),
  withValue: { query: 'error-rate', args: { service: 'shop', version: 'v2' }, ...window },
  expected: 0.03,
  noData: { query: 'error-rate', args: { service: 'shop', version: 'v9' }, ...window },
  failing: { query: 'latency-p42', args: { service: 'shop' }, ...window },
  unreachable: new BuiltinMetricProvider(undefined),
  cleanup: async () => undefined,
}));

test('builtin: counts, rates and latency quantiles of one version; templated metric names', async () => {
  const provider = new BuiltinMetricProvider(windows());
  const value = async (query: string, args: Record<string, string> = { service: 'shop', version: 'v2' }): Promise<unknown> => {
    const result = await provider.measure({ query, args, ...window });
    return result.kind === 'value' ? result.value : result.kind;
  };
  assert.equal(await value('requests'), 100);
  assert.equal(await value('errors'), 3);
  assert.equal(await value('requests', { service: 'shop', version: 'v9' }), 0, 'a count of nothing is 0, not no-data');
  assert.ok(Math.abs((await value('request-rate')) as number - 100 / 11) < 1e-9);
  const p99 = (await value('latency-p99')) as number;
  assert.ok(p99 >= 18 && p99 <= 20 * 1.05, `p99 ${p99}`);
  assert.equal(await value('latency-{{which}}', { service: 'shop', version: 'v2', which: 'p50' }), await value('latency-p50'));
  await assert.rejects(provider.measure({ query: 'requests', args: {}, ...window }), /needs the argument "service"/);
  // Latencies are 10..19 ms, ten each. 15 ms falls in the bucket (14.67, 16] ms, which is not counted:
  // above it are the 17, 18 and 19 ms requests.
  assert.equal(await value('requests-above', { service: 'shop', version: 'v2', thresholdMs: '15' }), 30);
  assert.equal(await value('requests-above', { service: 'shop', version: 'v2', thresholdMs: '1000' }), 0);
  await assert.rejects(provider.measure({ query: 'requests-above', args: { service: 'shop' }, ...window }), /needs args.thresholdMs/);
});

test('builtin: errors are every 5xx the client got (the upstream\'s own 500s too); failures only the proxy\'s', async () => {
  const traffic = new TrafficWindows({ clock: { now: () => NOW } });
  for (let i = 0; i < 10; i++) traffic.record({ service: 'shop', version: 'v3', route: 'split', status: i < 4 ? 500 : 200, durationMs: 5 });
  traffic.record({ service: 'shop', version: 'v3', route: 'split', status: 502, durationMs: 5, cause: 'refused', error: 'connection refused' });
  const provider = new BuiltinMetricProvider(traffic);
  const value = async (query: string): Promise<unknown> => {
    const result = await provider.measure({ query, args: { service: 'shop', version: 'v3' }, ...window });
    return result.kind === 'value' ? result.value : result.kind;
  };
  assert.equal(await value('errors'), 5);
  assert.equal(await value('failures'), 1);
  assert.equal(await value('status-5xx'), 5);
  assert.equal(await value('status-2xx'), 6);
  assert.equal(await value('status-4xx'), 0);
  assert.equal(await value('error-rate'), 5 / 11);
});
