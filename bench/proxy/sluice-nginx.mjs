// nginx driven by Sluice, as the benchmark runs it: the BUILT NginxRouter (packages/control-plane/dist)
// in owned mode starts nginx and renders the service's include (maps, split_clients on the sticky key,
// Set-Cookie of a new key, X-Sluice-Generation, the JSON access log), with the same route and split as
// the `sluice` target: stickiness by header x-user-id then cookie sluice_bench, v2 at the canary weight,
// one header rule. The access log is on (the router always writes it) and, unless "observer" is false,
// tailed into TrafficWindows as the control plane does for the guard.
// Usage: node bench/proxy/sluice-nginx.mjs '{"v1":"http://127.0.0.1:P1","v2":"http://127.0.0.1:P2","weight":10,"workers":1,"stateDir":"/tmp/…","observer":true}'
// nginx runs as this process's child, so the benchmark charges nginx and the log tail to one process tree.
// Prints one JSON line {"address","nginxPid","headerRule","observer","accessLog","config"} once nginx serves the route.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NginxRouter } from '../../packages/control-plane/dist/traffic/nginx/nginx-router.js';
import { TrafficWindows } from '../../packages/control-plane/dist/metrics/traffic-windows.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const RULE_HEADER = 'x-bench-rule';

const route = {
  service: 'bench',
  listen: '127.0.0.1:0',
  stickiness: { header: 'x-user-id', cookie: 'sluice_bench' },
  backends: { v1: [options.v1], v2: [options.v2] },
};
// The same rule as sluice-proxy.mjs: evaluated (and missed) on every wrk request.
const rule = { name: 'bench-header-rule', conditions: [{ kind: 'header', name: RULE_HEADER, match: { exact: 'on' } }], action: { kind: 'version', version: 'v2' } };
const split = { stable: 'v1', canary: 'v2', weight: options.weight, salt: 'bench-rollout', rules: [rule] };

const observe = options.observer !== false;
const windows = new TrafficWindows({ clock: { now: () => Date.now() } });
const router = new NginxRouter({
  owned: { stateDir: options.stateDir, workers: options.workers },
  ...(observe ? { observer: (o) => windows.record(o) } : {}),
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await router.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The benchmark holds our stdin open: when it goes away (even killed), we go too (and stop nginx).
process.stdin.on('end', stop).resume();

await router.upsertRoute(route, split);
const observed = await router.observeSplit('bench');
const nginxPid = Number.parseInt(readFileSync(join(options.stateDir, 'nginx.pid'), 'utf8').trim(), 10);
process.stdout.write(`${JSON.stringify({
  address: observed.address,
  nginxPid,
  headerRule: `on (header ${RULE_HEADER}, never sent by wrk)`,
  observer: observe ? 'on (access log tailed into control-plane TrafficWindows)' : 'off (access log written, not tailed)',
  accessLog: router.accessLog,
  config: join(options.stateDir, 'conf.d', 'bench.conf'),
})}\n`);
