// Sluice's built-in proxy as the benchmark runs it: the BUILT package (packages/proxy/dist, no
// sluice-source condition), metrics on as the control plane runs them (TrafficWindows), sticky
// hashing on, v2 at the canary weight, and one header rule (checked to be evaluated first).
// Usage: node bench/proxy/sluice-proxy.mjs '{"v1":"http://127.0.0.1:P1","v2":"http://127.0.0.1:P2","weight":10,"multiCore":false,"workers":2}'
// With multiCore, it runs the build's ClusterProxy (worker processes sharing the port).
// Prints one JSON line {"address","headerRule","multiCore","metrics"} once it listens.
import http from 'node:http';
import * as sluiceProxy from '@sluice/proxy';
import { Registry } from 'prom-client';
import { bindTrafficMetrics } from '../../packages/control-plane/dist/metrics/traffic-prometheus.js';
import { TrafficWindows } from '../../packages/control-plane/dist/metrics/traffic-windows.js';

const { BuiltinProxy } = sluiceProxy;
const options = JSON.parse(process.argv[2] ?? '{}');
const RULE_HEADER = 'x-bench-rule';
const RULE_NAME = 'bench-header-rule';

const route = (listen) => ({
  service: 'bench',
  listen,
  stickiness: { header: 'x-user-id', cookie: 'sluice_bench' },
  backends: { v1: [options.v1], v2: [options.v2] },
});
const split = (weight) => ({ stable: 'v1', canary: 'v2', weight, salt: 'bench-rollout' });

// Rule shapes to try, in order (domain routing.ts RouteRule). A shape counts only if a matching
// request is really routed by it, so a build without rules, or with a changed shape, is detected.
const RULE_SHAPES = [
  { name: RULE_NAME, conditions: [{ kind: 'header', name: RULE_HEADER, match: { exact: 'on' } }], action: { kind: 'version', version: 'v2' } },
];

function get(address, headers) {
  return new Promise((resolve) => {
    const req = http.request(`http://${address}/`, { headers, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.headers['x-sluice-version']));
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** Tries one rule shape on a scratch proxy at weight 0: a request with the header reaching v2 means the rule routes. */
async function tryRule(rule) {
  const probe = new BuiltinProxy();
  try {
    await probe.upsert(route('127.0.0.1:0'), { ...split(0), rules: [rule] });
    const observed = probe.observe('bench');
    const matched = await get(observed.address, { [RULE_HEADER]: 'on', 'x-user-id': 'probe' });
    const unmatched = await get(observed.address, { 'x-user-id': 'probe' });
    return { routes: matched === 'v2' && unmatched === 'v1', accepted: Array.isArray(observed.rules) && observed.rules.length === 1 };
  } catch (error) {
    return { routes: false, accepted: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await probe.close();
  }
}

/**
 * The header rule to serve, checked first on a scratch proxy: a request with the header must reach
 * v2 and one without must not, or the benchmark stops (it would measure a rule that is not evaluated).
 */
async function probeRules() {
  const problems = [];
  for (const rule of RULE_SHAPES) {
    const result = await tryRule(rule);
    if (result.routes) return { rule, status: `on, evaluated on every request (header ${RULE_HEADER}, never sent by wrk)` };
    problems.push(result.error ?? (result.accepted ? 'accepted but not routed by' : 'dropped by'));
  }
  throw new Error(`the built proxy does not route by the bench's header rule (${problems.join('; ')}); update RULE_SHAPES in bench/proxy/sluice-proxy.mjs`);
}

/** The multi-core data plane if the build has one (ClusterProxy.start), else the single-process proxy. */
async function startProxy(observer) {
  const ClusterProxy = sluiceProxy.ClusterProxy;
  if (!options.multiCore) return { proxy: new BuiltinProxy({ observer }), multiCore: 'off (single process)' };
  if (typeof ClusterProxy?.start !== 'function') throw new Error('the built @sluice/proxy has no ClusterProxy: --multi-core cannot run');
  const workers = options.workers ?? undefined;
  const proxy = await ClusterProxy.start(workers === undefined ? { observer } : { workers, observer });
  return { proxy, multiCore: `on (ClusterProxy, ${proxy.workerCount ?? workers ?? '?'} workers)` };
}

const registry = new Registry();
const rules = await probeRules();
// Metrics on, as the control plane runs them: 1-second windows, exported at scrape time.
const windows = new TrafficWindows({ clock: { now: () => Date.now() } });
bindTrafficMetrics(registry, windows);
const { proxy, multiCore } = await startProxy((o) => windows.record(o));
await proxy.upsert(route('127.0.0.1:0'), { ...split(options.weight), rules: [rules.rule] });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await proxy.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The benchmark holds our stdin open: when it goes away (even killed), we go too.
process.stdin.on('end', stop).resume();

const metrics = registry.getSingleMetric('sluice_proxy_requests_total') === undefined ? 'off' : 'on (control-plane TrafficWindows)';
// BuiltinProxy.observe is synchronous, ClusterProxy.observe asks the workers: await covers both.
const observed = await proxy.observe('bench');
process.stdout.write(`${JSON.stringify({ address: observed.address, headerRule: rules.status, multiCore, metrics })}\n`);
