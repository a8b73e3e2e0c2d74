// Stand-ins for the controllers a real cluster runs beside its API server, for end-to-end tests of
// Sluice driving Kubernetes: the Deployment controller and kubelets (every Deployment's current
// generation becomes fully rolled out and ready) and a Gateway controller (every HTTPRoute's current
// generation is Accepted with its refs resolved). They write status through the fake's status
// subresource, so every status is validated against the official schemas like any other write.
import type { FakeKubeApiServer } from './fake-api-server.js';
import type { FakeChange, Json } from './fake-store.js';

export interface FakeControllersOptions {
  /** Written into HTTPRoute status.parents[].controllerName. */
  readonly gatewayController?: string;
  /** Deployments named here stay unready (a version whose pods never pass readiness). */
  readonly neverReady?: ReadonlySet<string>;
}

export interface FakeControllers {
  /** Status writes so far, per kind ("Deployment", "HTTPRoute"). */
  readonly writes: Readonly<Record<string, number>>;
  stop(): void;
}

const DEPLOYMENTS = 'apps/v1|deployments|';
const HTTP_ROUTES = 'gateway.networking.k8s.io/v1|httproutes|';

function generationOf(object: Json): number {
  return Number((object['metadata'] as Json | undefined)?.['generation'] ?? 1);
}

function observed(object: Json): number | undefined {
  const status = object['status'] as Json | undefined;
  const value = status?.['observedGeneration'];
  return typeof value === 'number' ? value : undefined;
}

function routeObserved(object: Json): number | undefined {
  const parents = ((object['status'] as Json | undefined)?.['parents'] ?? []) as Json[];
  const conditions = (parents[0]?.['conditions'] ?? []) as Json[];
  const value = conditions[0]?.['observedGeneration'];
  return typeof value === 'number' ? value : undefined;
}

function deploymentStatus(object: Json, ready: boolean): Json {
  const replicas = Number(((object['spec'] as Json | undefined)?.['replicas'] ?? 1));
  const up = ready ? replicas : 0;
  return { observedGeneration: generationOf(object), replicas, updatedReplicas: replicas, readyReplicas: up, availableReplicas: up };
}

function routeStatus(object: Json, controllerName: string): Json {
  const generation = generationOf(object);
  const spec = (object['spec'] ?? {}) as Json;
  const parentRefs = (spec['parentRefs'] ?? []) as Json[];
  const condition = (type: string) => ({ type, status: 'True', reason: type, message: '', observedGeneration: generation, lastTransitionTime: '2026-01-01T00:00:00Z' });
  return { parents: parentRefs.map((parentRef) => ({ parentRef, controllerName, conditions: [condition('Accepted'), condition('ResolvedRefs')] })) };
}

/** Starts both controllers on `server`; they act on changes after this call and on objects already stored. */
export function startFakeControllers(server: FakeKubeApiServer, options: FakeControllersOptions = {}): FakeControllers {
  const writes: Record<string, number> = { Deployment: 0, HTTPRoute: 0 };
  const controllerName = options.gatewayController ?? 'example.net/fake-gateway-controller';
  let stopped = false;
  const react = (change: FakeChange): void => {
    if (stopped || change.type === 'DELETED') return;
    const [apiVersion, plural, namespace] = change.collection.split('|') as [string, string, string];
    const name = String((change.object['metadata'] as Json)['name']);
    const current = server.store.get(change.collection, name);
    if (current === undefined) return;
    if (change.collection.startsWith(DEPLOYMENTS)) {
      const ready = !(options.neverReady?.has(name) ?? false);
      const status = deploymentStatus(current, ready);
      const previous = (current['status'] ?? {}) as Json;
      if (observed(current) === generationOf(current) && previous['replicas'] === status['replicas'] && previous['readyReplicas'] === status['readyReplicas']) return;
      server.setStatus(apiVersion, plural, namespace, name, status);
      writes['Deployment'] = (writes['Deployment'] ?? 0) + 1;
    } else if (change.collection.startsWith(HTTP_ROUTES)) {
      if (routeObserved(current) === generationOf(current)) return;
      server.setStatus(apiVersion, plural, namespace, name, routeStatus(current, controllerName));
      writes['HTTPRoute'] = (writes['HTTPRoute'] ?? 0) + 1;
    }
  };
  // The store tells its watchers synchronously, inside the write; the controllers answer a moment later.
  const unsubscribe = server.store.observe((change) => setImmediate(() => react(change)));
  return {
    writes,
    stop: () => {
      stopped = true;
      unsubscribe();
    },
  };
}
