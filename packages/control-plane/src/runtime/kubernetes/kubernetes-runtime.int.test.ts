import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { startFakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import type { FakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import type { WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { KubernetesRuntime } from './kubernetes-runtime.js';

const NS = 'shop-ns';
const SOURCE = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop', namespace: NS, labels: { app: 'shop' } },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop', version: 'v1' } },
      spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/shop:1.0', ports: [{ containerPort: 8080 }], env: [{ name: 'LOG', value: 'info' }, { name: 'COLOR', value: 'blue' }] }] },
    },
  },
};

function spec(version: string, replicas: number, env: Record<string, string> = {}): WorkloadSpec {
  return { service: 'shop', version, run: { command: '', env, replicas, readiness: { path: '/', intervalMs: 500, timeoutMs: 2000 }, gracePeriodMs: 10_000 } };
}

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof SluiceError && error.code === code;
}

const deployments = { apiVersion: 'apps/v1', plural: 'deployments', namespace: NS };

describe('KubernetesRuntime against the schema-validating fake API server', () => {
  let cluster: FakeCluster;
  let runtime: KubernetesRuntime;
  let events: WorkloadStatus[];

  beforeEach(async () => {
    cluster = await startFakeCluster();
    await cluster.client.apply({ ...deployments, name: 'shop' }, SOURCE);
    runtime = new KubernetesRuntime({ api: cluster.client, namespace: NS, image: (s) => (s.version === 'v2' ? 'ghcr.io/acme/shop:2.0' : undefined) });
    events = [];
    runtime.onChange((s) => events.push(s));
  });

  afterEach(async () => {
    await runtime.close();
    await cluster.close();
  });

  const markReady = (name: string, replicas: number, generation = 1): void =>
    void cluster.server.setStatus('apps/v1', 'deployments', NS, name, { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });

  test('ensure creates the version Deployment (copied from the source: new image, merged env) and its Service', async () => {
    await runtime.ensure(spec('v2', 2, { COLOR: 'green', FEATURE: 'on' }));
    const deployment = cluster.server.object('apps/v1', 'deployments', NS, 'shop-v2') as { spec: { replicas: number; selector: unknown; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; env: unknown }[] } } } };
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.selector, { matchLabels: { 'sluice.dev/service': 'shop', 'sluice.dev/version': 'v2' } });
    assert.equal(deployment.spec.template.metadata.labels['version'], 'v2');
    assert.equal(deployment.spec.template.metadata.labels['app'], 'shop');
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'ghcr.io/acme/shop:2.0');
    assert.deepEqual(deployment.spec.template.spec.containers[0]?.env, [{ name: 'LOG', value: 'info' }, { name: 'COLOR', value: 'green' }, { name: 'FEATURE', value: 'on' }]);
    const service = cluster.server.object('v1', 'services', NS, 'shop-v2') as { spec: { selector: unknown; ports: { port: number }[] } };
    assert.deepEqual(service.spec.selector, { 'sluice.dev/service': 'shop', 'sluice.dev/version': 'v2' });
    assert.equal(service.spec.ports[0]?.port, 8080);
    assert.ok(cluster.server.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/shop-v2') && r.code === 201), 'created by server-side apply');
  });

  test('waitReady resolves from watch events once the controller reports ready replicas, without polling', async () => {
    await runtime.ensure(spec('v2', 2));
    assert.deepEqual(runtime.status({ service: 'shop', version: 'v2' })?.readyEndpoints, []);
    const gets = cluster.server.count('GET', '/deployments');
    const waiting = runtime.waitReady({ service: 'shop', version: 'v2' }, 2, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    cluster.server.setStatus('apps/v1', 'deployments', NS, 'shop-v2', { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    markReady('shop-v2', 2);
    await waiting;
    assert.equal(cluster.server.count('GET', '/deployments'), gets, 'no GET or LIST of deployments while waiting: the watch delivered the status');
    assert.ok(cluster.server.count('GET', '/deployments', true) >= 1, 'a watch was open');
    const status = runtime.status({ service: 'shop', version: 'v2' });
    assert.deepEqual(status?.readyEndpoints, ['http://shop-v2.shop-ns.svc.cluster.local:8080']);
    assert.equal(status?.instances.filter((i) => i.state === 'ready').length, 2);
    assert.ok(events.some((e) => e.version === 'v2' && e.readyEndpoints.length === 1), 'onChange announced the ready endpoint');
  });

  test('waitReady rejects when the Deployment exceeds its progress deadline, and on timeout', async () => {
    await runtime.ensure(spec('v2', 1));
    const stuck = runtime.waitReady({ service: 'shop', version: 'v2' }, 1, 5000);
    cluster.server.setStatus('apps/v1', 'deployments', NS, 'shop-v2', {
      observedGeneration: 1,
      replicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "shop-v2-abc" has timed out progressing.' }],
    });
    await assert.rejects(stuck, (e: unknown) => isCode(ErrorCode.ADAPTER_FAILED)(e) && /timed out progressing/.test(String(e)));
    await assert.rejects(runtime.waitReady({ service: 'shop', version: 'v2' }, 2, 100), isCode(ErrorCode.ADAPTER_FAILED));
    await assert.rejects(runtime.waitReady({ service: 'nobody', version: 'v9' }, 1, 50), isCode(ErrorCode.ADAPTER_FAILED));
  });

  test('setCanaryScale scales the version to its weight of the source replicas (rounded up)', async () => {
    await runtime.ensure(spec('v2', 1));
    const replicas = (): unknown => (cluster.server.object('apps/v1', 'deployments', NS, 'shop-v2') as { spec: { replicas: number } }).spec.replicas;
    assert.equal(await runtime.setCanaryScale({ service: 'shop', version: 'v2' }, { weight: 20 }), 1);
    assert.equal(replicas(), 1);
    assert.equal(await runtime.setCanaryScale({ service: 'shop', version: 'v2' }, { weight: 50 }), 3);
    assert.equal(replicas(), 3);
    await runtime.ensure(spec('v2', 1));
    assert.equal(replicas(), 3, 'ensure with the same spec keeps the scale');
    assert.equal(await runtime.setCanaryScale({ service: 'shop', version: 'v2' }, { replicas: 0 }), 0);
    assert.equal(replicas(), 0);
    await assert.rejects(runtime.setCanaryScale({ service: 'shop', version: 'v2' }, { replicas: -1 }), isCode(ErrorCode.INVALID_REQUEST));
  });

  test('a changed env rolls the Deployment (new generation) and waitReady waits for the new generation', async () => {
    await runtime.ensure(spec('v2', 1));
    markReady('shop-v2', 1);
    await runtime.waitReady({ service: 'shop', version: 'v2' }, 1, 2000);
    await runtime.ensure(spec('v2', 1, { FEATURE: 'on' }));
    const generation = (cluster.server.object('apps/v1', 'deployments', NS, 'shop-v2') as { metadata: { generation: number } }).metadata.generation;
    assert.equal(generation, 2);
    const waiting = runtime.waitReady({ service: 'shop', version: 'v2' }, 1, 2000);
    let settled = false;
    void waiting.then(() => (settled = true), () => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, 'generation 1 status does not count for generation 2');
    markReady('shop-v2', 1, 2);
    await waiting;
  });

  test('retire deletes the Deployment and the Service and announces no endpoints', async () => {
    await runtime.ensure(spec('v2', 1));
    markReady('shop-v2', 1);
    await runtime.waitReady({ service: 'shop', version: 'v2' }, 1, 2000);
    await runtime.retire({ service: 'shop', version: 'v2' });
    assert.equal(cluster.server.object('apps/v1', 'deployments', NS, 'shop-v2'), undefined);
    assert.equal(cluster.server.object('v1', 'services', NS, 'shop-v2'), undefined);
    assert.equal(runtime.status({ service: 'shop', version: 'v2' }), undefined);
    assert.deepEqual(events.filter((e) => e.version === 'v2').at(-1)?.readyEndpoints, []);
    await runtime.retire({ service: 'shop', version: 'v2' });
  });

  test('the watch resumes after the server ends it, and lists again after 410 Gone', async () => {
    await runtime.ensure(spec('v2', 1));
    assert.equal(runtime.relists, 1);
    cluster.server.store.endWatches();
    markReady('shop-v2', 1);
    await runtime.waitReady({ service: 'shop', version: 'v2' }, 1, 2000);
    assert.equal(runtime.relists, 1, 'a plain reconnect resumes from the last resourceVersion');
    // The client misses a change while disconnected, and the history it would resume from is compacted.
    cluster.server.store.endWatches();
    cluster.server.setStatus('apps/v1', 'deployments', NS, 'shop-v2', { readyReplicas: 0 });
    cluster.server.store.compact();
    const until = async (what: string, condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 2000;
      while (!condition()) {
        if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until('the 410 made the watch list again', () => runtime.relists === 2);
    assert.deepEqual(runtime.status({ service: 'shop', version: 'v2' })?.readyEndpoints, [], 'the relist brought the missed change');
    cluster.server.setStatus('apps/v1', 'deployments', NS, 'shop-v2', { readyReplicas: 1 });
    await until('the new watch delivers the next change', () => runtime.status({ service: 'shop', version: 'v2' })?.readyEndpoints.length === 1);
  });

  test('ensure without a source Deployment fails with ADAPTER_FAILED; close keeps the Deployments and refuses new work', async () => {
    await assert.rejects(runtime.ensure({ ...spec('v1', 1), service: 'cart' }), (e: unknown) => isCode(ErrorCode.ADAPTER_FAILED)(e) && /no Deployment cart/.test(String(e)));
    await runtime.ensure(spec('v2', 1));
    await runtime.close();
    await runtime.close();
    assert.ok(cluster.server.object('apps/v1', 'deployments', NS, 'shop-v2') !== undefined, 'workloads outlive the control plane');
    await assert.rejects(runtime.ensure(spec('v2', 1)), isCode(ErrorCode.ADAPTER_FAILED));
  });
});
