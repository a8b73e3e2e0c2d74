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

export interface WorkloadStatus extends WorkloadKey {
  readonly desiredReplicas: number;
  readonly instances: readonly InstanceStatus[];
  /** Endpoints of ready instances: the only thing the runtime hands to the TrafficRouter. */
  readonly readyEndpoints: readonly Endpoint[];
}

/** Starts, checks and retires the versions of services on one platform. */
export interface Runtime {
  /** "process", "memory", later "kubernetes". */
  readonly kind: string;
  /**
   * Makes `spec` run: starts missing instances, replaces instances whose spec changed, and scales
   * to `replicas`. Idempotent. Resolves once every instance was started (not necessarily ready).
   */
  ensure(spec: WorkloadSpec, signal?: AbortSignal): Promise<void>;
  /** Resolves when at least `min` instances are ready, or rejects on timeout/abort. */
  waitReady(key: WorkloadKey, min: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Current state; undefined for an unknown workload. */
  status(key: WorkloadKey): WorkloadStatus | undefined;
  list(): readonly WorkloadStatus[];
  /** Stops a workload gracefully (SIGTERM, drain, SIGKILL after the grace period). Idempotent. */
  retire(key: WorkloadKey, signal?: AbortSignal): Promise<void>;
  /** Called whenever ready endpoints of any workload change. Returns an unsubscribe function. */
  onChange(listener: (status: WorkloadStatus) => void): () => void;
  /** Retires everything. */
  close(): Promise<void>;
}
