// `sluice server --runtime kubernetes --data-plane gateway-api` end to end, against the in-process
// fake API server (no real cluster can run here): the fake validates every object Sluice writes
// against the official schemas (../shared/external/k8s-schemas/), and fake controllers play the
// Deployment controller and the Gateway controller by writing status (validated too).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startFakeCluster, type FakeCluster } from '../testing/k8s-fake/fake-cluster.js';
import { startFakeControllers, type FakeControllers } from '../testing/k8s-fake/fake-controllers.js';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

const NS = 'shop';

const SOURCE = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop', namespace: NS, labels: { app: 'shop' } },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop' } },
      spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/shop:1.0', ports: [{ containerPort: 8080 }], env: [{ name: 'LOG', value: 'info' }] }] },
    },
  },
};

const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { run: { image: ghcr.io/acme/shop:1.0, command: "node demo/app.js", env: { VERSION: v1 }, replicas: 2 } }
    v2: { run: { image: ghcr.io/acme/shop:2.0, command: "node demo/app.js", env: { VERSION: v2 }, replicas: 2 } }
    v3: { run: { image: ghcr.io/acme/shop:3.0, env: { VERSION: v3 } } }
  stable: v1
`;

const rollout = (name: string, target: string, steps: readonly string[]) => `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: shop
  target: ${target}
  strategy:
    canary:
      steps:
${steps.map((s) => `        - ${s}`).join('\n')}
`;

interface HttpRouteView {
  spec: { parentRefs: { name: string; namespace?: string }[]; rules: { name?: string; matches?: { headers?: { name: string; value: string }[] }[]; backendRefs: { name: string; port: number; weight: number }[] }[] };
}

interface DeploymentView {
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; env: { name: string; value: string }[] }[] } } };
}

/** A fake cluster with its controllers and the source Deployment, and `sluice server` on it with `args`. */
interface KubernetesSluice {
  readonly cluster: FakeCluster;
  readonly controllers: FakeControllers;
  readonly dir: Awaited<ReturnType<typeof tempDir>>;
  readonly server: ServerProcess;
  close(): Promise<void>;
}

async function startOnFakeCluster(args: readonly string[], context: { namespace?: string }): Promise<KubernetesSluice> {
  const cluster = await startFakeCluster();
  const controllers = startFakeControllers(cluster.server);
  await cluster.client.apply({ apiVersion: 'apps/v1', plural: 'deployments', namespace: NS, name: 'shop' }, SOURCE);
  const dir = await tempDir('sluice-k8s-');
  const kubeconfig = `${dir.path}/kubeconfig`;
  const namespace = context.namespace === undefined ? '' : `, namespace: ${context.namespace}`;
  await writeFile(kubeconfig, [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [ { name: fake, cluster: { server: "${cluster.server.url}", insecure-skip-tls-verify: true } } ]`,
    'users: [ { name: tester, user: { token: not-a-secret-test-token } } ]',
    `contexts: [ { name: fake, context: { cluster: fake, user: tester${namespace} } } ]`,
    'current-context: fake',
    '',
  ].join('\n'));
  const server = await startServer(`${dir.path}/data`, { args: ['--runtime', 'kubernetes', '--kubeconfig', kubeconfig, ...args] });
  const close = async () => {
    await server.stop();
    controllers.stop();
    await cluster.close();
    await dir.remove();
  };
  return { cluster, controllers, dir, server, close };
}

describe('sluice server on Kubernetes (runtime kubernetes, data plane gateway-api) against the schema-validating fake API server', () => {
  let cluster: FakeCluster;
  let controllers: FakeControllers;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  const route = () => cluster.server.object('gateway.networking.k8s.io/v1', 'httproutes', NS, 'shop') as HttpRouteView | undefined;
  const deployment = (name: string) => cluster.server.object('apps/v1', 'deployments', NS, name) as DeploymentView | undefined;
  /** The weighted split rule's share per backend Service, in percent. */
  const shares = (view: HttpRouteView | undefined): Record<string, number> => {
    const split = view?.spec.rules.find((r) => r.name === 'split');
    const total = (split?.backendRefs ?? []).reduce((sum, b) => sum + b.weight, 0);
    return Object.fromEntries((split?.backendRefs ?? []).filter((b) => b.weight > 0).map((b) => [b.name, (b.weight * 100) / total]));
  };
  const phaseOf = async (name: string): Promise<{ phase: string; currentStep: number }> => (await getJson(`${server.url}/api/v1/rollouts/${name}`)).status;

  let running: KubernetesSluice | undefined;
  before(async () => {
    running = await startOnFakeCluster(['--data-plane', 'gateway-api', '--gateway', 'gateways/edge'], { namespace: NS });
    ({ cluster, controllers, dir, server } = running);
  });
  after(() => running?.close());

  test('the service\'s versions become Deployments copied from its Deployment, with their images and env; the HTTPRoute sends everyone to stable', async () => {
    const file = await writeSpec(dir.path, 'service.yaml', SERVICE);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const v1 = await waitFor('Deployment shop-v1', async () => deployment('shop-v1'));
    const v2 = await waitFor('Deployment shop-v2', async () => deployment('shop-v2'));
    assert.equal(v1.spec.template.spec.containers[0]?.image, 'ghcr.io/acme/shop:1.0');
    assert.equal(v2.spec.template.spec.containers[0]?.image, 'ghcr.io/acme/shop:2.0');
    assert.deepEqual(v2.spec.template.spec.containers[0]?.env, [{ name: 'LOG', value: 'info' }, { name: 'VERSION', value: 'v2' }], 'the source\'s env, then the version\'s');
    assert.equal(v2.spec.replicas, 2);
    assert.equal(v2.spec.template.metadata.labels['version'], 'v2', 'the version label Istio subsets select on');
    const service = cluster.server.object('v1', 'services', NS, 'shop-v2') as { spec: { ports: { port: number }[] } } | undefined;
    assert.equal(service?.spec.ports[0]?.port, 8080, 'the per-version Service exposes the container port');
    const stableOnly = await waitFor('the HTTPRoute on stable', async () => (shares(route())['shop-v1'] === 100 ? route() : undefined));
    assert.deepEqual(stableOnly.spec.parentRefs.map((p) => `${p.namespace}/${p.name}`), ['gateways/edge']);
    assert.ok(stableOnly.spec.rules.every((r) => r.backendRefs.every((b) => b.port === 8080)), 'backendRefs name the Services\' port');
    assert.ok(controllers.writes['Deployment']! > 0 && controllers.writes['HTTPRoute']! > 0, 'the fake controllers reported status');
  });

  test('a canary advances the HTTPRoute weights step by step, with a header route for testers, and succeeds on promote', async () => {
    const file = await writeSpec(dir.path, 'canary.yaml', rollout('shop-v2', 'v2', ['setHeaderRoute: { name: testers, match: [ { header: x-tester, exact: "1" } ] }', 'setWeight: 20', 'pause: {}', 'setWeight: 50', 'pause: {}']));
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('paused at 20 %', async () => ((await phaseOf('shop-v2')).phase === 'Paused' ? true : undefined));
    const at20 = route();
    assert.deepEqual(shares(at20), { 'shop-v1': 80, 'shop-v2': 20 });
    const testers = at20?.spec.rules.find((r) => r.matches?.some((m) => m.headers?.some((h) => h.name === 'x-tester' && h.value === '1')));
    assert.deepEqual(testers?.backendRefs.filter((b) => b.weight > 0).map((b) => b.name), ['shop-v2'], 'the testers\' rule sends them to the canary');
    assert.equal((await sluice(server.url, ['promote', 'shop-v2'])).code, 0);
    await waitFor('50 %', async () => (shares(route())['shop-v2'] === 50 ? true : undefined));
    assert.equal((await sluice(server.url, ['promote', 'shop-v2'])).code, 0);
    await waitFor('Succeeded', async () => ((await phaseOf('shop-v2')).phase === 'Succeeded' ? true : undefined), 30_000);
    await waitFor('everyone on v2', async () => (shares(route())['shop-v2'] === 100 ? true : undefined));
    assert.equal(route()?.spec.rules.length, 1, 'the header route went with the rollout');
    const services = await getJson(`${server.url}/api/v1/services/shop`);
    assert.equal(services.status.stable, 'v2');
  });

  test('an abort sends everyone back to stable in the HTTPRoute', async () => {
    const file = await writeSpec(dir.path, 'abort.yaml', rollout('shop-v3', 'v3', ['setWeight: 30', 'pause: {}']));
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('paused at 30 %', async () => ((await phaseOf('shop-v3')).phase === 'Paused' ? true : undefined));
    assert.deepEqual(shares(route()), { 'shop-v2': 70, 'shop-v3': 30 });
    assert.equal(deployment('shop-v3')?.spec.template.spec.containers[0]?.image, 'ghcr.io/acme/shop:3.0');
    assert.equal((await sluice(server.url, ['abort', 'shop-v3'])).code, 0);
    await waitFor('back on stable', async () => (shares(route())['shop-v2'] === 100 ? true : undefined));
    await waitFor('Aborted', async () => ((await phaseOf('shop-v3')).phase === 'Aborted' ? true : undefined));
  });

  test('a version with only a command is refused at apply, at its run, saying the Kubernetes runtime needs an image', async () => {
    const file = await writeSpec(dir.path, 'command-only.yaml', SERVICE.replace('v3: { run: { image: ghcr.io/acme/shop:3.0, env: { VERSION: v3 } } }', 'v3: { run: { command: "node demo/app.js" } }'));
    const refused = await sluice(server.url, ['apply', '-f', file]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /command-only\.yaml:9:\d+/, 'the position of v3\'s run');
    assert.match(refused.stderr, /kubernetes runtime cannot run version "v3": it runs images, and this version gives only a command/);
    assert.match(refused.stderr, /an image, e\.g\./);
    assert.equal(deployment('shop-v3')?.spec.template.spec.containers[0]?.image, 'ghcr.io/acme/shop:3.0', 'nothing changed');
  });
});

interface VirtualServiceView {
  spec: { hosts: string[]; gateways?: string[]; http: { name?: string; route: { destination: { host: string; subset: string }; weight?: number }[] }[] };
}

describe('sluice server on Kubernetes with the Istio data plane against the schema-validating fake API server', () => {
  let cluster: FakeCluster;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  let running: KubernetesSluice | undefined;
  before(async () => {
    // The namespace comes from the flag here (the context names none).
    running = await startOnFakeCluster(['--data-plane', 'istio', '--namespace', NS, '--gateway', 'istio-system/edge'], {});
    ({ cluster, server, dir } = running);
  });
  after(() => running?.close());

  test('a canary step is a weighted VirtualService over DestinationRule subsets of the version label', async () => {
    const file = await writeSpec(dir.path, 'all.yaml', `${SERVICE}---\n${rollout('shop-v2', 'v2', ['setWeight: 25', 'pause: {}'])}`);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('paused at 25 %', async () => ((await getJson(`${server.url}/api/v1/rollouts/shop-v2`)).status.phase === 'Paused' ? true : undefined));
    const virtualService = cluster.server.object('networking.istio.io/v1', 'virtualservices', NS, 'shop') as VirtualServiceView | undefined;
    const split = virtualService?.spec.http.find((h) => h.name === 'split');
    assert.deepEqual(split?.route.map((r) => [r.destination.host, r.destination.subset, r.weight]), [['shop', 'v1', 7500], ['shop', 'v2', 2500]]);
    assert.deepEqual(virtualService?.spec.gateways, ['istio-system/edge']);
    const rule = cluster.server.object('networking.istio.io/v1', 'destinationrules', NS, 'shop') as { spec: { subsets: { name: string; labels: Record<string, string> }[] } } | undefined;
    const subsets = Object.fromEntries((rule?.spec.subsets ?? []).map((s) => [s.name, s.labels['version']]));
    assert.equal(subsets['v1'], 'v1');
    assert.equal(subsets['v2'], 'v2');
    assert.equal((cluster.server.object('apps/v1', 'deployments', NS, 'shop-v2') as DeploymentView | undefined)?.spec.template.metadata.labels['version'], 'v2', 'the pods carry the label the subset selects');
    assert.equal((await sluice(server.url, ['abort', 'shop-v2'])).code, 0);
    await waitFor('back on stable', async () => {
      const after = cluster.server.object('networking.istio.io/v1', 'virtualservices', NS, 'shop') as VirtualServiceView | undefined;
      const main = after?.spec.http.find((h) => h.name === 'split');
      return main?.route.length === 1 && main.route[0]?.destination.subset === 'v1' ? true : undefined;
    });
  });
});
