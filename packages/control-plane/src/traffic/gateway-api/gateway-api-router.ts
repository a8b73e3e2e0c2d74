import { checkSplit, copySplit, equalSplits, ErrorCode, SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';
import {
  defaultBackendService,
  dnsLabel,
  HTTP_ROUTE_API_VERSION,
  renderHttpRoute,
} from './http-route-manifest.js';
import type { GatewayParentRef, HttpRouteRenderOptions } from './http-route-manifest.js';
import type { KubeResource, KubeResourceApi, KubeResourceRef } from '../kube-resources.js';
import { GENERATION_ANNOTATION, ROUTE_ANNOTATION, SPLIT_ANNOTATION, storedState, type StoredRoute, type StoredState } from '../kube-resources.js';
import { awaitAccepted, requireAccepted } from './route-acceptance.js';

export interface GatewayApiRouterOptions {
  /** A Kubernetes API client (the composition root passes runtime/kubernetes's KubeClient). */
  readonly api: KubeResourceApi;
  /** Namespace of the HTTPRoutes and of the per-version Services. */
  readonly namespace: string;
  /** The Gateway(s) every HTTPRoute attaches to. */
  readonly parentRefs: readonly GatewayParentRef[];
  /** Port of the per-version Services (default 80). */
  readonly port?: number;
  /** Service name of a version; default `${service}-${version}` as a DNS label (what KubernetesRuntime creates). */
  readonly backendService?: (service: string, version: string) => string;
  /**
   * "experimental" when the cluster has the experimental-channel HTTPRoute CRD: version stickiness via
   * rules[].sessionPersistence (the `sticky` capability). Default "standard": no session persistence.
   */
  readonly channel?: 'standard' | 'experimental';
  /** How long setSplit waits for the parents' Accepted/ResolvedRefs (default 30 s). */
  readonly acceptTimeoutMs?: number;
}

type Stored = StoredState;

/**
 * TrafficRouter over a Gateway API HTTPRoute (gateway.networking.k8s.io/v1), one per service: weighted
 * backendRefs to one Service per version, the split's rules as matches, a RequestMirror filter, and
 * sessionPersistence on the experimental channel. Every write is a server-side apply (field manager of
 * the client); the split, its generation and the route live in annotations, so the router keeps no
 * state and any control plane instance can read back exactly what was set.
 */
export class GatewayApiRouter implements TrafficRouter {
  readonly kind = 'gateway-api';
  readonly capabilities: ReadonlySet<RouterCapability>;
  readonly #api: KubeResourceApi;
  readonly #render: HttpRouteRenderOptions;
  readonly #acceptTimeoutMs: number;

  constructor(options: GatewayApiRouterOptions) {
    this.#api = options.api;
    const sticky = options.channel === 'experimental';
    this.capabilities = new Set<RouterCapability>(sticky ? ['weights', 'header-match', 'mirror', 'sticky'] : ['weights', 'header-match', 'mirror']);
    this.#render = {
      namespace: options.namespace,
      parentRefs: options.parentRefs,
      port: options.port ?? 80,
      backendService: options.backendService ?? defaultBackendService,
      sessionPersistence: sticky,
    };
    this.#acceptTimeoutMs = options.acceptTimeoutMs ?? 30_000;
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const existing = await this.#read(route.service, signal);
    const stored: StoredRoute = { stickiness: route.stickiness, backends: route.backends, ...(route.hosts === undefined ? {} : { hosts: route.hosts }) };
    if (existing !== undefined) {
      await this.#write(route.service, existing.split, existing.generation, stored, signal);
      return;
    }
    checkSplit(route.service, initial);
    await this.#write(route.service, copySplit(initial), 1, stored, signal);
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const current = await this.#mustRead(service, signal);
    checkSplit(service, split);
    if (equalSplits(current.split, split)) return;
    await this.#write(service, copySplit(split), current.generation + 1, current.route, signal);
  }

  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    signal?.throwIfAborted();
    const current = await this.#mustRead(service, signal);
    requireAccepted(current.object);
    return { ...current.split, generation: current.generation };
  }

  /**
   * Kubernetes routes to Services, not to endpoints Sluice tracks: an endpoint is routed ("all") when it is
   * listed for a version the HTTPRoute sends requests to (stable, a canary or rule target with weight > 0,
   * or the mirror). In-flight counts are not visible through the API server: always 0.
   */
  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    signal?.throwIfAborted();
    const { split, route } = await this.#mustRead(service, signal);
    const version = Object.entries(route.backends).find(([, endpoints]) => endpoints.includes(endpoint))?.[0];
    return { routed: version !== undefined && routedVersions(split).has(version) ? 'all' : 'none', inflight: 0 };
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const { split } = await this.#mustRead(service, signal);
    await this.setSplit(service, { stable: split.stable, weight: 0, salt: split.salt }, signal);
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#api.remove(this.#ref(service), signal);
  }

  /** Nothing is held between calls (the API server has the state). */
  async close(): Promise<void> {}

  #ref(service: string): KubeResourceRef {
    return { apiVersion: HTTP_ROUTE_API_VERSION, plural: 'httproutes', namespace: this.#render.namespace, name: dnsLabel(service) };
  }

  async #write(service: string, split: TrafficSplit, generation: number, route: StoredRoute, signal?: AbortSignal): Promise<void> {
    const ref = this.#ref(service);
    const applied = await this.#api.apply(ref, renderHttpRoute(service, split, generation, route, this.#render), signal);
    await awaitAccepted(this.#api, ref, applied, this.#acceptTimeoutMs, signal);
  }

  async #read(service: string, signal?: AbortSignal): Promise<Stored | undefined> {
    const object = await this.#api.get(this.#ref(service), signal);
    return storedState(object);
  }

  async #mustRead(service: string, signal?: AbortSignal): Promise<Stored> {
    const stored = await this.#read(service, signal);
    if (stored === undefined) {
      throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `no HTTPRoute managed by Sluice for service "${service}" in namespace ${this.#render.namespace}; expected a route upserted first`, {
        details: { service, router: this.kind },
      });
    }
    return stored;
  }
}

/** Versions the split sends new requests to (a mirror target included). */
export function routedVersions(split: TrafficSplit): Set<string> {
  const versions = new Set<string>();
  if (split.weight < 100 || split.canary === undefined) versions.add(split.stable);
  if (split.canary !== undefined && split.weight > 0) versions.add(split.canary);
  for (const rule of split.rules ?? []) {
    if (rule.action.kind === 'version') versions.add(rule.action.version);
    else {
      if (rule.action.weight < 100) versions.add(split.stable);
      if (rule.action.weight > 0) versions.add(rule.action.canary);
    }
  }
  if (split.mirror !== undefined && split.mirror.percent > 0) versions.add(split.mirror.version);
  return versions;
}
