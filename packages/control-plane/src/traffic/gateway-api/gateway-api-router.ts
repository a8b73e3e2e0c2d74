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
import { GENERATION_ANNOTATION, listsEndpoint, ROUTE_ANNOTATION, SPLIT_ANNOTATION, storedState, type StoredRoute, type StoredState } from '../kube-resources.js';
import { awaitAccepted, requireAccepted } from './route-acceptance.js';

export interface GatewayApiRouterOptions {
  /** A Kubernetes API client (the composition root passes runtime/kubernetes's KubeClient). */
  readonly api: KubeResourceApi;
  /** Namespace of the HTTPRoutes and of the per-version Services. */
  readonly namespace: string;
  /** The Gateway(s) every HTTPRoute attaches to. */
  readonly parentRefs: readonly GatewayParentRef[];
  /** Port of the per-version Services; default the port of each version's endpoint (KubernetesRuntime's Service URL), else 80. */
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
      ...(options.port === undefined ? {} : { port: options.port }),
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
   * Kubernetes routes to Services, not to endpoints Sluice tracks: an endpoint is in the table ("all") while
   * the route lists it for a version, since the HTTPRoute can name that version's Service at once (as the
   * built-in proxy's pool holds every listed endpoint, whatever the weights). In-flight counts are not
   * visible through the API server: always 0.
   */
  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    signal?.throwIfAborted();
    const { route } = await this.#mustRead(service, signal);
    return { routed: listsEndpoint(route, endpoint) ? 'all' : 'none', inflight: 0 };
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
