import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { startFakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import type { FakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import { GatewayApiRouter } from './gateway-api-router.js';

const NS = 'default';
const ROUTE: RouteSpec = {
  service: 'shop',
  listen: '0.0.0.0:80',
  hosts: ['shop.example.com'],
  stickiness: { cookie: 'sluice-shop' },
  backends: { v1: ['http://shop-v1.default.svc:80'], v2: ['http://shop-v2.default.svc:80'] },
};
const INITIAL: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 0, salt: 'r1' };
/** Every condition kind Gateway API can express, a rule split, a never-matching rule and a mirror. */
const RULES: TrafficSplit = {
  stable: 'v1',
  canary: 'v2',
  weight: 12.34,
  salt: 'r1',
  rules: [
    { name: 'segment:testers', conditions: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u.2'] } }], [{ kind: 'header', name: 'x-team', match: { exact: 'qa' } }]] }], action: { kind: 'version', version: 'v2' } },
    { name: 'mobile', conditions: [{ kind: 'header', name: 'user-agent', match: { regex: '.*Mobile.*' } }, { kind: 'method', methods: ['GET', 'HEAD'] }], action: { kind: 'version', version: 'v1' } },
    { name: 'beta', conditions: [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }, { kind: 'query', name: 'preview', match: { prefix: 'y' } }, { kind: 'pathPrefix', prefix: '/api/' }], action: { kind: 'split', canary: 'v2', weight: 5.05 } },
    { name: 'never', conditions: [{ kind: 'anyOf', groups: [] }], action: { kind: 'version', version: 'v2' } },
  ],
  mirror: { version: 'v2', percent: 0.5, maxBodyBytes: 65_536 },
};

interface HttpRouteSpec {
  readonly parentRefs: unknown[];
  readonly hostnames?: string[];
  readonly rules: { name: string; matches: Record<string, unknown>[]; backendRefs: { name: string; weight: number }[]; filters?: unknown[]; sessionPersistence?: unknown }[];
}

function hasCode(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof SluiceError && error.code === code && (pattern === undefined || pattern.test(error.message));
}

describe('GatewayApiRouter against the schema-validating fake (experimental channel)', () => {
  let cluster: FakeCluster;
  let router: GatewayApiRouter;
  const spec = (): HttpRouteSpec => (cluster.server.object('gateway.networking.k8s.io/v1', 'httproutes', NS, 'shop') as { spec: HttpRouteSpec }).spec;

  beforeEach(async () => {
    cluster = await startFakeCluster({ gatewayChannel: 'experimental' });
    router = new GatewayApiRouter({ api: cluster.client, namespace: NS, parentRefs: [{ name: 'edge', namespace: 'gateways' }], channel: 'experimental', acceptTimeoutMs: 2000 });
  });
  afterEach(() => cluster.close());

  test('renders weights at 0.01 % resolution, matches, the mirror fraction and session persistence; the fake accepts it', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    await router.setSplit('shop', RULES);
    const { rules, hostnames, parentRefs } = spec();
    assert.deepEqual(hostnames, ['shop.example.com']);
    assert.deepEqual(parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'gateways' }]);
    assert.deepEqual(rules.map((r) => r.name), ['r0-segment-testers', 'r1-mobile', 'r2-beta', 'split'], 'the never-matching rule is left out');
    assert.deepEqual(rules[3]?.backendRefs, [{ name: 'shop-v1', port: 80, weight: 8766 }, { name: 'shop-v2', port: 80, weight: 1234 }]);
    assert.deepEqual(rules[2]?.backendRefs.map((b) => b.weight), [9495, 505]);
    assert.deepEqual(rules[0]?.matches.map((m) => m['headers']), [[{ name: 'x-user-id', type: 'RegularExpression', value: '(?:u1|u\\.2)' }], [{ name: 'x-team', type: 'Exact', value: 'qa' }]]);
    assert.deepEqual(rules[1]?.matches.map((m) => m['method']), ['GET', 'HEAD'], 'two methods: two matches');
    assert.deepEqual(rules[2]?.matches, [{
      path: { type: 'PathPrefix', value: '/api/' },
      headers: [{ type: 'RegularExpression', name: 'cookie', value: '(?:.*;\\s*)?beta=1(?:;.*)?' }],
      queryParams: [{ name: 'preview', type: 'RegularExpression', value: 'y.*' }],
    }]);
    assert.deepEqual(rules[3]?.filters, [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shop-v2', port: 80 }, fraction: { numerator: 50, denominator: 10_000 } } }]);
    assert.deepEqual(rules[3]?.sessionPersistence, { type: 'Cookie', sessionName: 'sluice-shop' });
    const observed = await router.observeSplit('shop');
    assert.deepEqual({ ...observed, generation: 0 }, { ...RULES, generation: 0 });
    assert.equal(observed.generation, 2);
  });

  test('refuses conditions Gateway API cannot express, naming Gateway API, and keeps the split', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    const cidr: TrafficSplit = { ...INITIAL, rules: [{ name: 'office', conditions: [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }], action: { kind: 'version', version: 'v2' } }] };
    await assert.rejects(router.setSplit('shop', cidr), hasCode('UNSUPPORTED_CAPABILITY', /Gateway API HTTPRoute cannot express rule "office".*sourceCidr/));
    const twice: TrafficSplit = { ...INITIAL, rules: [{ name: 'both', conditions: [{ kind: 'header', name: 'x-a', match: { exact: '1' } }, { kind: 'header', name: 'X-A', match: { prefix: '2' } }], action: { kind: 'version', version: 'v2' } }] };
    await assert.rejects(router.setSplit('shop', twice), hasCode('UNSUPPORTED_CAPABILITY', /two conditions on header "X-A"/));
    assert.deepEqual({ ...(await router.observeSplit('shop')), generation: 0 }, { ...INITIAL, generation: 0 });
  });

  test('the fake rejects an HTTPRoute with too many rules (422) and the router reports INVALID_REQUEST', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    const many: TrafficSplit = {
      ...INITIAL,
      rules: Array.from({ length: 20 }, (_, i) => ({ name: `r${i}`, conditions: [{ kind: 'header' as const, name: 'x-n', match: { exact: String(i) } }], action: { kind: 'version' as const, version: 'v2' } })),
    };
    await assert.rejects(router.setSplit('shop', many), (error: unknown) => {
      assert.ok(error instanceof SluiceError);
      assert.equal(error.code, 'INVALID_REQUEST');
      assert.match(error.message, /422 HTTPRoute.gateway.networking.k8s.io "shop" is invalid/);
      assert.ok(error.problems.some((p) => p.path === 'spec.rules' && /at most 16/.test(p.message)), JSON.stringify(error.problems));
      return true;
    });
    assert.equal(spec().rules.length, 1, 'the stored route is unchanged');
  });

  test('setSplit waits until the Gateway accepts the new generation; a rejected route fails', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    const parents = (generation: number, resolved: 'True' | 'False') => ({
      parents: [{
        parentRef: { name: 'edge' },
        controllerName: 'example.com/gateway-controller',
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: generation, lastTransitionTime: '2026-01-01T00:00:00Z' },
          { type: 'ResolvedRefs', status: resolved, reason: resolved === 'True' ? 'ResolvedRefs' : 'BackendNotFound', message: resolved === 'True' ? '' : 'service shop-v2 not found', observedGeneration: generation, lastTransitionTime: '2026-01-01T00:00:00Z' },
        ],
      }],
    });
    cluster.server.setStatus('gateway.networking.k8s.io/v1', 'httproutes', NS, 'shop', parents(1, 'True'));
    let done = false;
    const setting = router.setSplit('shop', { ...INITIAL, weight: 5 }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(done, false, 'not accepted yet: status is for generation 1');
    await assert.rejects(router.observeSplit('shop'), hasCode('ADAPTER_FAILED', /has not reported Accepted for generation 2/));
    cluster.server.setStatus('gateway.networking.k8s.io/v1', 'httproutes', NS, 'shop', parents(2, 'True'));
    await setting;
    assert.equal((await router.observeSplit('shop')).weight, 5);
    const failing = router.setSplit('shop', { ...INITIAL, weight: 6 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    cluster.server.setStatus('gateway.networking.k8s.io/v1', 'httproutes', NS, 'shop', parents(3, 'False'));
    await assert.rejects(failing, hasCode('ADAPTER_FAILED', /ResolvedRefs=False \(BackendNotFound\)/));
    await assert.rejects(router.observeSplit('shop'), hasCode('ADAPTER_FAILED'));
  });

  test('upstreamUse: an endpoint the route lists is in the table whatever its weight (the HTTPRoute can name its Service at once); in-flight is always 0', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    assert.deepEqual(await router.upstreamUse('shop', 'http://shop-v1.default.svc:80'), { routed: 'all', inflight: 0 });
    assert.deepEqual(await router.upstreamUse('shop', 'http://shop-v2.default.svc:80'), { routed: 'all', inflight: 0 }, 'canary at 0 %: listed, ready for a step');
    await router.upsertRoute({ ...ROUTE, backends: { ...ROUTE.backends, v2: [] } }, INITIAL);
    assert.deepEqual(await router.upstreamUse('shop', 'http://shop-v2.default.svc:80'), { routed: 'none', inflight: 0 }, 'no longer listed');
    assert.deepEqual(await router.upstreamUse('shop', 'http://elsewhere:80'), { routed: 'none', inflight: 0 }, 'never listed');
  });
});

describe('GatewayApiRouter on the standard channel', () => {
  test('declares no sticky capability and renders no sessionPersistence (the standard CRD would reject it)', async () => {
    const cluster = await startFakeCluster();
    try {
      const router = new GatewayApiRouter({ api: cluster.client, namespace: NS, parentRefs: [{ name: 'edge' }] });
      assert.equal(router.capabilities.has('sticky'), false);
      assert.equal(new GatewayApiRouter({ api: cluster.client, namespace: NS, parentRefs: [{ name: 'edge' }], channel: 'experimental' }).capabilities.has('sticky'), true);
      await router.upsertRoute(ROUTE, { ...INITIAL, weight: 50 });
      const stored = cluster.server.object('gateway.networking.k8s.io/v1', 'httproutes', NS, 'shop') as { spec: HttpRouteSpec };
      assert.equal(stored.spec.rules[0]?.sessionPersistence, undefined);
      const sticky = structuredClone(stored) as { spec: HttpRouteSpec; metadata: Record<string, unknown> };
      (sticky.spec.rules[0] as { sessionPersistence?: unknown }).sessionPersistence = { type: 'Cookie', sessionName: 'x' };
      const ref = { apiVersion: 'gateway.networking.k8s.io/v1', plural: 'httproutes', namespace: NS, name: 'shop' };
      await assert.rejects(cluster.client.apply(ref, { apiVersion: ref.apiVersion, kind: 'HTTPRoute', metadata: { name: 'shop' }, spec: sticky.spec }), hasCode('INVALID_REQUEST', /unknown field "spec.rules\[0\].sessionPersistence"/));
    } finally {
      await cluster.close();
    }
  });
});
