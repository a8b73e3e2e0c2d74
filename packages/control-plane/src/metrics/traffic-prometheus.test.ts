import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { Counter, Registry } from 'prom-client';
import { bindTrafficMetrics } from './traffic-prometheus.js';
import { TrafficWindows } from './traffic-windows.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A strict reader of the Prometheus text format (0.0.4): fails on any line it does not understand. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[pair[1]!] = pair[2]!;
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), `bad value in: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

function value(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

function obs(partial: Partial<ProxyObservation> = {}): ProxyObservation {
  return { service: 'shop', version: 'v1', route: 'split', status: 200, durationMs: 4, ...partial };
}

function setup() {
  const clock = new ManualClock();
  const windows = new TrafficWindows({ clock, retentionSeconds: 5 });
  const registry = new Registry();
  bindTrafficMetrics(registry, windows);
  return { clock, windows, registry };
}

test('bindTrafficMetrics exports cumulative totals that outlive the retention, in parseable text', async () => {
  const { clock, windows, registry } = setup();
  windows.record(obs({ durationMs: 4 }));
  windows.record(obs({ durationMs: 30 }));
  clock.advance(60_000); // far past the 5 s retention: the windows forget, the counters do not
  windows.record(obs({ version: 'v2', status: 502, durationMs: 0.5, cause: 'refused', error: 'ECONNREFUSED' }));
  windows.record(obs({ version: 'v2', status: 499, durationMs: 12_000 }));
  const { samples, types } = parse(await registry.metrics());
  assert.equal(types.get('sluice_proxy_requests_total'), 'counter');
  assert.equal(types.get('sluice_proxy_errors_total'), 'counter');
  assert.equal(types.get('sluice_proxy_request_duration_seconds'), 'histogram');
  const v1 = { service: 'shop', version: 'v1', route: 'split' };
  const v2 = { service: 'shop', version: 'v2', route: 'split' };
  assert.equal(value(samples, 'sluice_proxy_requests_total', { ...v1, class: '2xx' }), 2);
  assert.equal(value(samples, 'sluice_proxy_requests_total', { ...v1, class: '5xx' }), 0);
  assert.equal(value(samples, 'sluice_proxy_requests_total', { ...v2, class: '5xx' }), 1);
  assert.equal(value(samples, 'sluice_proxy_requests_total', { ...v2, class: '499' }), 1);
  assert.equal(value(samples, 'sluice_proxy_errors_total', { ...v1, cause: 'refused' }), 0, 'error series exist before the first failure');
  assert.equal(value(samples, 'sluice_proxy_errors_total', { ...v2, cause: 'refused' }), 1);
  assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_count', v1), 2);
  assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_sum', v1), 0.034);
  assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_bucket', { ...v1, le: '0.005' }), 1);
  assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_bucket', { ...v1, le: '0.05' }), 2);
  assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_bucket', { ...v2, le: '10' }), 1);
  assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_bucket', { ...v2, le: '+Inf' }), 2);
  assert.equal(windows.window({ service: 'shop', version: 'v1', fromMs: 0, toMs: clock.now() + 1000 }).requests, 0);
});

test('bindTrafficMetrics histograms are cumulative and agree with the request counters for every series', async () => {
  const { windows, registry } = setup();
  const statuses = [200, 201, 404, 503, 499, 302];
  for (let i = 0; i < 500; i++) {
    windows.record(obs({ version: i % 3 === 0 ? 'v2' : 'v1', route: i % 5 === 0 ? 'beta' : 'split', status: statuses[i % 6]!, durationMs: (i * 37) % 15_000 }));
  }
  const { samples } = parse(await registry.metrics());
  const totals = windows.totals();
  assert.equal(totals.length, 4);
  for (const t of totals) {
    const labels = { service: t.service, version: t.version, route: t.route };
    const buckets = samples.filter((s) => s.name === 'sluice_proxy_request_duration_seconds_bucket' && s.labels.version === t.version && s.labels.route === t.route);
    assert.equal(buckets.length, 14);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'buckets are cumulative');
    assert.equal(buckets.at(-1)!.value, t.requests);
    assert.equal(value(samples, 'sluice_proxy_request_duration_seconds_count', labels), t.requests);
    const byClass = samples.filter((s) => s.name === 'sluice_proxy_requests_total' && s.labels.version === t.version && s.labels.route === t.route);
    assert.equal(byClass.length, 6);
    assert.equal(byClass.reduce((n, s) => n + s.value, 0), t.requests);
  }
  assert.equal(totals.reduce((n, t) => n + t.requests, 0), 500);
});

test('bindTrafficMetrics exports folded counts, escapes label values, and a second binding replaces the first', async () => {
  const clock = new ManualClock();
  const registry = new Registry();
  new Counter({ name: 'sluice_other_total', help: 'another metric in the same registry', registers: [registry] }).inc();
  bindTrafficMetrics(registry, new TrafficWindows({ clock }));
  const windows = new TrafficWindows({ clock, maxRoutesPerService: 1 });
  bindTrafficMetrics(registry, windows);
  windows.record(obs({ route: 'a' }));
  windows.record(obs({ route: 'b' }));
  windows.record(obs({ service: 'we"ird\\name' }));
  const text = await registry.metrics();
  const { samples } = parse(text);
  assert.equal(value(samples, 'sluice_proxy_folded_total', { limit: 'route' }), 1);
  assert.equal(value(samples, 'sluice_proxy_folded_total', { limit: 'service' }), 0);
  assert.equal(value(samples, 'sluice_proxy_requests_total', { service: 'shop', route: '_other', class: '2xx' }), 1);
  assert.match(text, /service="we\\"ird\\\\name"/);
  assert.equal(value(samples, 'sluice_other_total', {}), 1);
  assert.equal(text.match(/# TYPE sluice_proxy_requests_total/g)?.length, 1);
});
