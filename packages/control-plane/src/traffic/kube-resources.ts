import type { RouteSpec, TrafficSplit } from '@sluice/domain';

/**
 * What the Kubernetes routers (gateway-api/, istio/) need from a Kubernetes API client: the
 * composition root passes the runtime's KubeClient (runtime/kubernetes/kube-client.ts), which has this
 * shape. Declared at the traffic plugin point so the routers import no other plugin point. Both keep
 * the split as set, its generation and the route in annotations of the object they manage.
 */
export interface KubeResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly generation?: number;
    readonly resourceVersion?: string;
  };
  readonly spec?: unknown;
  readonly status?: unknown;
}

export interface KubeResourceRef {
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
}

export interface KubeResourceApi {
  /** The object, or undefined when it does not exist. */
  get(ref: KubeResourceRef, signal?: AbortSignal): Promise<KubeResource | undefined>;
  /** Server-side apply with the client's field manager, forced; rejects with INVALID_REQUEST on 422. */
  apply(ref: KubeResourceRef, object: KubeResource, signal?: AbortSignal): Promise<KubeResource>;
  /** Deletes; false when it did not exist. */
  remove(ref: KubeResourceRef, signal?: AbortSignal): Promise<boolean>;
  /** Streams changes after `from.resourceVersion` until the stream ends or `signal` aborts. */
  watch(
    collection: Omit<KubeResourceRef, 'name'>,
    from: { resourceVersion: string; labelSelector?: string },
    onEvent: (event: { readonly type: string; readonly object: KubeResource }) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** The split exactly as set (JSON), so observeSplit returns what setSplit was given. */
export const SPLIT_ANNOTATION = 'sluice.dev/split';
/** Increases with every accepted split change. */
export const GENERATION_ANNOTATION = 'sluice.dev/generation';
/** The RouteSpec's backends and stickiness (JSON), for upstreamUse and re-rendering. */
export const ROUTE_ANNOTATION = 'sluice.dev/route';

/** What a route stores besides the split: enough to answer upstreamUse and to render it again. */
export interface StoredRoute {
  readonly stickiness: RouteSpec['stickiness'];
  readonly hosts?: readonly string[];
  readonly backends: RouteSpec['backends'];
}

/** What a router reads back from the object it manages. */
export interface StoredState {
  readonly object: KubeResource;
  readonly split: TrafficSplit;
  readonly generation: number;
  readonly route: StoredRoute;
}

/** The split, generation and route kept in `object`'s annotations; undefined for an object Sluice does not manage. */
export function storedState(object: KubeResource | undefined): StoredState | undefined {
  const annotations = object?.metadata.annotations ?? {};
  const split = annotations[SPLIT_ANNOTATION];
  const route = annotations[ROUTE_ANNOTATION];
  if (object === undefined || split === undefined || route === undefined) return undefined;
  return { object, split: JSON.parse(split) as TrafficSplit, generation: Number(annotations[GENERATION_ANNOTATION] ?? 1), route: JSON.parse(route) as StoredRoute };
}

/** Whether the stored route lists `endpoint` for some version: the Kubernetes routers' answer to upstreamUse. */
export function listsEndpoint(route: StoredRoute, endpoint: string): boolean {
  return Object.values(route.backends).some((endpoints) => endpoints.includes(endpoint));
}
