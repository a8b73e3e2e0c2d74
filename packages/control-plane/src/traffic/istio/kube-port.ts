/**
 * What the Istio router needs from a Kubernetes API client: the composition root passes the
 * runtime's KubeClient (runtime/kubernetes/kube-client.ts), which has this shape. Declared here so the
 * router imports no other plugin point.
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
