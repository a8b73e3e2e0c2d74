import type { Endpoint, RunSpec } from '@sluice/domain';

/** Identifies one version of one service on a runtime. */
export interface WorkloadKey {
  readonly service: string;
  readonly version: string;
}

export interface WorkloadSpec extends WorkloadKey {
  readonly run: RunSpec;
}

export type InstanceState = 'starting' | 'ready' | 'unready' | 'stopping' | 'crashed' | 'stopped';

export interface InstanceStatus {
  readonly id: string;
  readonly pid?: number;
  readonly endpoint: Endpoint;
  readonly state: InstanceState;
  readonly restarts: number;
  /** Last exit code or signal, when it has exited. */
  readonly lastExit?: string;
}

/**
 * A rolling update of a workload whose run spec changed: "progressing" while instances are replaced,
 * "rolling-back" after new instances failed (crash loop, no progress within the deadline) while the
 * previous spec's instances come back, "rolled-back" once they serve again (until the spec changes).
 */
export interface RollingUpdateStatus {
  readonly state: 'progressing' | 'rolling-back' | 'rolled-back';
  /** Why it is rolling back or rolled back. */
  readonly reason?: string;
}

export interface WorkloadStatus extends WorkloadKey {
  readonly desiredReplicas: number;
  readonly instances: readonly InstanceStatus[];
  /** Endpoints of ready instances: the only thing the runtime hands to the TrafficRouter. */
  readonly readyEndpoints: readonly Endpoint[];
  /** Set while a changed spec is rolled out, and after it was rolled back. */
  readonly update?: RollingUpdateStatus;
}

/**
 * What a runtime asks the data plane while it replaces instances, so that no request reaches an
 * instance that is not in service: a new instance counts as available only once the data plane
 * routes to it, and an old one gets SIGTERM only after the data plane stopped routing to it and
 * its in-flight requests finished. The composition root wires it to the TrafficRouter. Each wait
 * rejects when `signal` aborts (the runtime bounds every wait with its own timeout).
 */
export interface DataPlaneGate {
  /** Resolves once the data plane sends new requests of `key.service` to `endpoint`. */
  awaitInTable(key: WorkloadKey, endpoint: Endpoint, signal: AbortSignal): Promise<void>;
  /** Resolves once no part of the data plane sends new requests to `endpoint`. */
  awaitOutOfTable(key: WorkloadKey, endpoint: Endpoint, signal: AbortSignal): Promise<void>;
  /** Resolves once no request to `endpoint` is in flight through the data plane. */
  awaitDrained(key: WorkloadKey, endpoint: Endpoint, signal: AbortSignal): Promise<void>;
}

/** No data plane to ask: every wait resolves at once (the behaviour before the gate existed). */
export const NO_DATA_PLANE: DataPlaneGate = {
  awaitInTable: async () => undefined,
  awaitOutOfTable: async () => undefined,
  awaitDrained: async () => undefined,
};

/** What a runtime lacks to run a version: the run spec's field it needs, why, and what would do. */
export interface RunRefusal {
  readonly field: string;
  readonly message: string;
  readonly expected: string;
}

/** Starts, checks and retires the versions of services on one platform. */
export interface Runtime {
  /** "process", "memory", "kubernetes". */
  readonly kind: string;
  /**
   * Why this runtime could not run `run` (e.g. the process runtime given only an image), or undefined.
   * Apply asks before anything is stored, so such a spec is refused instead of failing a rollout.
   */
  cannotRun?(run: RunSpec): RunRefusal | undefined;
  /**
   * Makes `spec` run: starts missing instances, replaces instances whose spec changed (a rolling
   * update: in batches bounded by `run.rollingUpdate`, continuing in the background), and scales to
   * `replicas`. Idempotent. Resolves once the instances it can start now were started (not
   * necessarily ready); for a new workload, that is every instance.
   */
  ensure(spec: WorkloadSpec, signal?: AbortSignal): Promise<void>;
  /** Resolves when at least `min` instances are ready, or rejects on timeout/abort. */
  waitReady(key: WorkloadKey, min: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Current state; undefined for an unknown workload. */
  status(key: WorkloadKey): WorkloadStatus | undefined;
  list(): readonly WorkloadStatus[];
  /**
   * Stops a workload gracefully: each instance leaves the data plane and drains (when the runtime has
   * a DataPlaneGate), then SIGTERM, then SIGKILL after the grace period. Idempotent.
   */
  retire(key: WorkloadKey, signal?: AbortSignal): Promise<void>;
  /** Called whenever ready endpoints of any workload change. Returns an unsubscribe function. */
  onChange(listener: (status: WorkloadStatus) => void): () => void;
  /** Retires everything. */
  close(): Promise<void>;
}
