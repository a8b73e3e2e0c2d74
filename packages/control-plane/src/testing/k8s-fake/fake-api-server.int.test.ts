import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import type { KubeObject, KubeWatchEvent } from '../../runtime/kubernetes/kube-client.js';
import { KubeWatchExpiredError } from '../../runtime/kubernetes/kube-client.js';
import { startFakeCluster } from './fake-cluster.js';
import type { FakeCluster } from './fake-cluster.js';
import { validateSchema } from './schema-validator.js';

const deployments = { apiVersion: 'apps/v1', plural: 'deployments', namespace: 'default' };
const httpRoutes = { apiVersion: 'gateway.networking.k8s.io/v1', plural: 'httproutes', namespace: 'default' };
const virtualServices = { apiVersion: 'networking.istio.io/v1', plural: 'virtualservices', namespace: 'default' };

const DEPLOYMENT: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
};

function invalid(pattern: RegExp, field?: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, /: 422 /);
    assert.match(error.message, pattern);
    if (field !== undefined) assert.ok(error.problems.some((p) => p.path === field), `no problem at ${field}: ${JSON.stringify(error.problems)}`);
    return true;
  };
}

function route(weight: number): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'shop' },
    spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'shop-v1', port: 80, weight }] }] },
  };
}

describe('the fake API server validates what it receives against the official schemas', () => {
  let cluster: FakeCluster;
  beforeEach(async () => (cluster = await startFakeCluster()));
  afterEach(() => cluster.close());

  test('a Deployment without a selector is rejected with 422, as a real API server does', async () => {
    const { selector: _selector, ...spec } = DEPLOYMENT.spec as Record<string, unknown>;
    await assert.rejects(cluster.client.apply({ ...deployments, name: 'web' }, { ...DEPLOYMENT, spec }), invalid(/spec.selector: Required value/, 'spec.selector'));
    assert.equal(cluster.server.object('apps/v1', 'deployments', 'default', 'web'), undefined, 'nothing stored');
  });

  test('a Deployment whose selector does not match its template, or a container without an image field type, is rejected', async () => {
    const mismatched = { ...DEPLOYMENT, spec: { ...(DEPLOYMENT.spec as object), selector: { matchLabels: { app: 'other' } } } };
    await assert.rejects(cluster.client.apply({ ...deployments, name: 'web' }, mismatched), invalid(/`selector` does not match template `labels`/));
    const badType = structuredClone(DEPLOYMENT) as { spec: { replicas: unknown } } & KubeObject;
    badType.spec.replicas = 'two';
    await assert.rejects(cluster.client.apply({ ...deployments, name: 'web' }, badType), invalid(/spec.replicas in body must be of type integer/, 'spec.replicas'));
  });

  test('an HTTPRoute backendRef weight above 1000000 is rejected; an unknown field too', async () => {
    await assert.rejects(cluster.client.apply({ ...httpRoutes, name: 'shop' }, route(1_000_001)), invalid(/should be less than or equal to 1000000/, 'spec.rules[0].backendRefs[0].weight'));
    const unknown = { ...route(1), spec: { ...(route(1).spec as object), weights: [1] } };
    await assert.rejects(cluster.client.apply({ ...httpRoutes, name: 'shop' }, unknown), invalid(/unknown field "spec.weights"/));
    const applied = await cluster.client.apply({ ...httpRoutes, name: 'shop' }, route(1_000_000));
    assert.equal(applied.metadata.generation, 1);
  });

  test('an Istio StringMatch with two match kinds breaks the CRD oneOf and is rejected', async () => {
    const vs: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'shop' },
      spec: { hosts: ['shop'], http: [{ match: [{ headers: { 'x-user': { exact: 'a', prefix: 'b' } } }], route: [{ destination: { host: 'shop', subset: 'v1' } }] }] },
    };
    await assert.rejects(cluster.client.apply({ ...virtualServices, name: 'shop' }, vs), invalid(/oneOf/));
  });

  test('server-side apply: the field manager is required, an unchanged apply writes nothing, a spec change bumps the generation', async () => {
    const first = await cluster.client.apply({ ...deployments, name: 'web' }, DEPLOYMENT);
    const again = await cluster.client.apply({ ...deployments, name: 'web' }, DEPLOYMENT);
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
    const scaled = await cluster.client.apply({ ...deployments, name: 'web' }, { ...DEPLOYMENT, spec: { ...(DEPLOYMENT.spec as object), replicas: 3 } });
    assert.equal(scaled.metadata.generation, 2);
    const response = await fetch(`${cluster.server.url}/apis/apps/v1/namespaces/default/deployments/web`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: JSON.stringify(DEPLOYMENT) });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /fieldManager is required/);
  });

  test('watch streams changes after a resourceVersion and answers 410 for a compacted one', async () => {
    const created = await cluster.client.apply({ ...deployments, name: 'web' }, DEPLOYMENT);
    const seen: KubeWatchEvent[] = [];
    const stop = new AbortController();
    const watching = cluster.client.watch(deployments, { resourceVersion: created.metadata.resourceVersion ?? '' }, (e) => {
      seen.push(e);
      if (e.type === 'DELETED') stop.abort();
    }, stop.signal);
    cluster.server.setStatus('apps/v1', 'deployments', 'default', 'web', { readyReplicas: 1, replicas: 1 });
    await cluster.client.remove({ ...deployments, name: 'web' });
    await watching;
    assert.deepEqual(seen.map((e) => e.type), ['MODIFIED', 'DELETED']);
    cluster.server.store.compact();
    await assert.rejects(cluster.client.watch(deployments, { resourceVersion: created.metadata.resourceVersion ?? '' }, () => undefined, new AbortController().signal), KubeWatchExpiredError);
  });
});

describe('schema validator', () => {
  test('checks types, bounds, required, enums, oneOf, list-map keys and unknown fields', () => {
    const schema = {
      type: 'object' as const,
      required: ['name'],
      properties: {
        name: { type: 'string' as const, maxLength: 3 },
        weight: { type: 'integer' as const, minimum: 0, maximum: 10 },
        kind: { type: 'string' as const, enum: ['A', 'B'] },
        env: { type: 'array' as const, 'x-kubernetes-list-type': 'map' as const, 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object' as const, properties: { name: { type: 'string' as const } } } },
        port: { 'x-kubernetes-int-or-string': true },
      },
    };
    assert.deepEqual(validateSchema(schema, { name: 'abc', weight: 3, kind: 'A', env: [{ name: 'X' }], port: 'http' }), []);
    const fields = validateSchema(schema, { weight: 11, kind: 'C', env: [{ name: 'X' }, { name: 'X' }], port: 1.5, extra: 1 }).map((c) => `${c.field}:${c.reason}`);
    assert.deepEqual(fields.sort(), ['env[1]:FieldValueDuplicate', 'extra:FieldValueUnknown', 'kind:FieldValueNotSupported', 'name:FieldValueRequired', 'port:FieldValueTypeInvalid', 'weight:FieldValueInvalid']);
  });
});
