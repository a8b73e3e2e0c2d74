import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { startFakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import type { FakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import { IstioRouter } from './istio-router.js';

const NS = 'default';
const ROUTE: RouteSpec = { service: 'shop', listen: '0.0.0.0:80', stickiness: { cookie: 's' }, backends: { v1: ['http://shop-v1'], v2: ['http://shop-v2'] } };
const INITIAL: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 0, salt: 'r1' };
const RULES: TrafficSplit = {
  ...INITIAL,
  weight: 12.34,
  rules: [
    { name: 'testers', conditions: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'X-User-Id', match: { in: ['u1', 'u2'] } }], [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }]] }], action: { kind: 'version', version: 'v2' } },
    { name: 'mobile', conditions: [{ kind: 'method', methods: ['GET', 'HEAD'] }, { kind: 'pathPrefix', prefix: '/api' }, { kind: 'query', name: 'p', match: { prefix: 'y' } }], action: { kind: 'split', canary: 'v2', weight: 50 } },
    { name: 'everyone', conditions: [], action: { kind: 'version', version: 'v1' } },
  ],
  mirror: { version: 'v2', percent: 0.5, maxBodyBytes: 1024 },
};

interface VirtualServiceSpec {
  readonly hosts: string[];
  readonly gateways?: string[];
  readonly http: { name: string; match?: Record<string, unknown>[]; route: unknown[]; mirror?: unknown; mirrorPercentage?: unknown }[];
}

describe('IstioRouter against the schema-validating fake', () => {
  let cluster: FakeCluster;
  let router: IstioRouter;
  const object = (plural: string): { spec: unknown } => cluster.server.object('networking.istio.io/v1', plural, NS, 'shop') as { spec: unknown };

  beforeEach(async () => {
    cluster = await startFakeCluster();
    router = new IstioRouter({ api: cluster.client, namespace: NS, gateways: ['istio-system/ingress', 'mesh'] });
  });
  afterEach(() => cluster.close());

  test('renders ordered http routes, 0.01 % weights on subsets, mirror and one subset per version; the fake accepts them', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    await router.setSplit('shop', RULES);
    const vs = object('virtualservices').spec as VirtualServiceSpec;
    assert.deepEqual(vs.hosts, ['shop']);
    assert.deepEqual(vs.gateways, ['istio-system/ingress', 'mesh']);
    assert.deepEqual(vs.http.map((h) => h.name), ['r0-testers', 'r1-mobile', 'r2-everyone', 'split']);
    assert.deepEqual(vs.http[0]?.match, [{ headers: { 'x-user-id': { regex: '(?:u1|u2)' } } }, { headers: { cookie: { regex: '(?:.*;\\s*)?beta=1(?:;.*)?' } } }]);
    assert.deepEqual(vs.http[1]?.match, [{ method: { regex: '(?:GET|HEAD)' }, uri: { prefix: '/api' }, queryParams: { p: { prefix: 'y' } } }]);
    assert.equal(vs.http[2]?.match, undefined, 'a rule without conditions matches everything');
    assert.deepEqual(vs.http[3]?.route, [{ destination: { host: 'shop', subset: 'v1' }, weight: 8766 }, { destination: { host: 'shop', subset: 'v2' }, weight: 1234 }]);
    assert.deepEqual(vs.http[3]?.mirror, { host: 'shop', subset: 'v2' });
    assert.deepEqual(vs.http[3]?.mirrorPercentage, { value: 0.5 });
    assert.deepEqual(object('destinationrules').spec, { host: 'shop', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    const observed = await router.observeSplit('shop');
    assert.deepEqual({ ...observed, generation: 0 }, { ...RULES, generation: 0 });
  });

  test('refuses sourceCidr with UNSUPPORTED_CAPABILITY naming Istio, keeping the split', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    const cidr: TrafficSplit = { ...INITIAL, rules: [{ name: 'office', conditions: [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }], action: { kind: 'version', version: 'v2' } }] };
    await assert.rejects(router.setSplit('shop', cidr), (e: unknown) => e instanceof SluiceError && e.code === 'UNSUPPORTED_CAPABILITY' && /Istio VirtualService cannot express rule "office"/.test(e.message));
    assert.equal((await router.observeSplit('shop')).rules, undefined);
  });

  test('observeSplit fails while Istio status reports an older generation; removeRoute deletes both objects', async () => {
    await router.upsertRoute(ROUTE, INITIAL);
    await router.setSplit('shop', { ...INITIAL, weight: 10 });
    cluster.server.setStatus('networking.istio.io/v1', 'virtualservices', NS, 'shop', { observedGeneration: 1 });
    await assert.rejects(router.observeSplit('shop'), (e: unknown) => e instanceof SluiceError && e.code === 'ADAPTER_FAILED');
    cluster.server.setStatus('networking.istio.io/v1', 'virtualservices', NS, 'shop', { observedGeneration: 2 });
    assert.equal((await router.observeSplit('shop')).weight, 10);
    await router.removeRoute('shop');
    assert.equal(cluster.server.object('networking.istio.io/v1', 'virtualservices', NS, 'shop'), undefined);
    assert.equal(cluster.server.object('networking.istio.io/v1', 'destinationrules', NS, 'shop'), undefined);
  });
});

describe('IstioRouter subsets', () => {
  test('a version leaving the route keeps its subset until the VirtualService no longer needs it (make before break)', async () => {
    const cluster = await startFakeCluster();
    try {
      const router = new IstioRouter({ api: cluster.client, namespace: NS });
      await router.upsertRoute({ ...ROUTE, backends: { v1: ['http://shop-v1'], v2: ['http://shop-v2'], v3: ['http://shop-v3'] } }, INITIAL);
      await router.upsertRoute(ROUTE, INITIAL);
      const subsets = (cluster.server.object('networking.istio.io/v1', 'destinationrules', NS, 'shop') as { spec: { subsets: { name: string }[] } }).spec.subsets.map((s) => s.name);
      assert.deepEqual(subsets, ['v1', 'v2']);
      const writes = cluster.server.requests.filter((r) => r.method === 'PATCH').map((r) => r.path.split('/').at(-2));
      assert.deepEqual(writes, ['destinationrules', 'virtualservices', 'destinationrules', 'virtualservices', 'destinationrules'], 'subsets widened before and narrowed after the VirtualService');
    } finally {
      await cluster.close();
    }
  });
});
