import { checkSplit, copySplit, equalSplits, ErrorCode, SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';
import {
  dnsLabel,
  ISTIO_API_VERSION,
  renderDestinationRule,
  renderVirtualService,
  subsetVersions,
} from './istio-manifests.js';
import type { IstioRenderOptions } from './istio-manifests.js';
import type { KubeResource, KubeResourceApi, KubeResourceRef } from '../kube-resources.js';
import { GENERATION_ANNOTATION, listsEndpoint, ROUTE_ANNOTATION, SPLIT_ANNOTATION, storedState, type StoredRoute, type StoredState } from '../kube-resources.js';

export interface IstioRouterOptions {
  /** A Kubernetes API client (the composition root passes runtime/kubernetes's KubeClient). */
  readonly api: KubeResourceApi;
  readonly namespace: string;
  /** Mesh host of a service; default the service name (its Kubernetes Service, selecting every version). */
  readonly host?: (service: string) => string;
  /** Gateways the VirtualServices bind to; absent: sidecars of the mesh only. */
  readonly gateways?: readonly string[];
  /** Pod label carrying the version (default "version", as KubernetesRuntime sets it). */
  readonly versionLabel?: string;
}

type Stored = StoredState;

/**
 * TrafficRouter over Istio: a VirtualService per service (weighted routes to subsets, the split's rules
 * as ordered http routes, mirror + mirrorPercentage) and a DestinationRule with one subset per version
 * (label `version`). The DestinationRule is applied before the VirtualService that needs its subsets.
 * Istio has no version stickiness across subsets, so `sticky` is not declared.
 */
export class IstioRouter implements TrafficRouter {
  readonly kind = 'istio';
  readonly capabilities: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'header-match', 'mirror']);
  readonly #api: KubeResourceApi;
  readonly #render: IstioRenderOptions;

  constructor(options: IstioRouterOptions) {
    this.#api = options.api;
    this.#render = {
      namespace: options.namespace,
      host: options.host ?? ((service) => dnsLabel(service)),
      versionLabel: options.versionLabel ?? 'version',
      ...(options.gateways === undefined ? {} : { gateways: options.gateways }),
    };
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const existing = await this.#read(route.service, signal);
    const stored: StoredRoute = { stickiness: route.stickiness, backends: route.backends, ...(route.hosts === undefined ? {} : { hosts: route.hosts }) };
    if (existing !== undefined) {
      await this.#write(route.service, existing.split, existing.generation, stored, signal, existing);
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
    await this.#write(service, copySplit(split), current.generation + 1, current.route, signal, current);
  }

  /** What the VirtualService holds; ADAPTER_FAILED while Istio's status (when enabled) reports an older generation. */
  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    signal?.throwIfAborted();
    const current = await this.#mustRead(service, signal);
    const observed = (current.object.status as { observedGeneration?: number | string } | undefined)?.observedGeneration;
    if (observed !== undefined && Number(observed) < (current.object.metadata.generation ?? 0)) {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `VirtualService ${current.object.metadata.name}: Istio reports generation ${observed}, not yet ${current.object.metadata.generation}`);
    }
    return { ...current.split, generation: current.generation };
  }

  /** Routed when listed for a version the VirtualService sends requests to; in-flight counts are not visible (0). */
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
    await this.#api.remove(this.#ref(service, 'virtualservices'), signal);
    await this.#api.remove(this.#ref(service, 'destinationrules'), signal);
  }

  async close(): Promise<void> {}

  #ref(service: string, plural: 'virtualservices' | 'destinationrules'): KubeResourceRef {
    return { apiVersion: ISTIO_API_VERSION, plural, namespace: this.#render.namespace, name: dnsLabel(service) };
  }

  /**
   * Make before break: the DestinationRule first gets the subsets of both the old and the new split, then
   * the VirtualService changes, then subsets no longer used are dropped.
   */
  async #write(service: string, split: TrafficSplit, generation: number, route: StoredRoute, signal?: AbortSignal, previous?: Stored): Promise<void> {
    const wanted = subsetVersions(split, route);
    const before = previous === undefined ? [] : subsetVersions(previous.split, previous.route);
    const union = [...new Set([...wanted, ...before])].sort();
    const destinationRules = this.#ref(service, 'destinationrules');
    await this.#api.apply(destinationRules, renderDestinationRule(service, union, this.#render), signal);
    await this.#api.apply(this.#ref(service, 'virtualservices'), renderVirtualService(service, split, generation, route, this.#render), signal);
    if (union.length !== wanted.length) await this.#api.apply(destinationRules, renderDestinationRule(service, wanted, this.#render), signal);
  }

  async #read(service: string, signal?: AbortSignal): Promise<Stored | undefined> {
    const object = await this.#api.get(this.#ref(service, 'virtualservices'), signal);
    return storedState(object);
  }

  async #mustRead(service: string, signal?: AbortSignal): Promise<Stored> {
    const stored = await this.#read(service, signal);
    if (stored === undefined) {
      throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `no VirtualService managed by Sluice for service "${service}" in namespace ${this.#render.namespace}; expected a route upserted first`, {
        details: { service, router: this.kind },
      });
    }
    return stored;
  }
}
