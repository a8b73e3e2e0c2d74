import { ErrorCode, SluiceError } from '@sluice/domain';
import type { InstanceState, InstanceStatus, Runtime, WorkloadKey, WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { instanceId, specHash, workloadName } from '../spec-hash.js';
import { waitForReady } from '../wait-for-ready.js';

export interface MemoryRuntimeOptions {
  /** When true, instances stay "starting" until markReady() is called. */
  readonly manualReadiness?: boolean;
}

/** One call the runtime received, for tests that assert on what the orchestrator asked for. */
export interface MemoryRuntimeCall {
  readonly op: 'ensure' | 'retire';
  readonly service: string;
  readonly version: string;
  readonly replicas?: number;
}

interface FakeInstance {
  readonly id: string;
  readonly index: number;
  readonly hash: string;
  state: InstanceState;
}

interface Workload {
  spec: WorkloadSpec;
  /** How many times the spec hash changed; part of instance ids so replaced instances get new ids. */
  generation: number;
  instances: FakeInstance[];
}

/** A Runtime with no processes, for orchestrator tests. Endpoints are fake and never answer. */
export class MemoryRuntime implements Runtime {
  readonly kind = 'memory';
  readonly #manual: boolean;
  readonly #workloads = new Map<string, Workload>();
  readonly #listeners = new Set<(status: WorkloadStatus) => void>();
  readonly #calls: MemoryRuntimeCall[] = [];
  readonly #failures: Record<MemoryRuntimeCall['op'], Error[]> = { ensure: [], retire: [] };
  #closed = false;

  constructor(options: MemoryRuntimeOptions = {}) {
    this.#manual = options.manualReadiness ?? false;
  }

  /** Every ensure/retire call so far, oldest first. */
  get calls(): readonly MemoryRuntimeCall[] {
    return this.#calls;
  }

  /** Makes the next call of `op` reject with `error` (default: an ADAPTER_FAILED error) without effect. */
  failNext(op: MemoryRuntimeCall['op'], error?: Error): void {
    this.#failures[op].push(error ?? new SluiceError(ErrorCode.ADAPTER_FAILED, `memory runtime: injected ${op} failure`));
  }

  async ensure(spec: WorkloadSpec, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#record({ op: 'ensure', service: spec.service, version: spec.version, replicas: spec.run.replicas });
    this.#throwInjected('ensure');
    if (this.#closed) throw closedError(spec);
    const id = keyOf(spec);
    const hash = specHash(spec.run);
    const workload = this.#workloads.get(id) ?? { spec, generation: 0, instances: [] };
    this.#workloads.set(id, workload);
    const before = this.#readySignature(workload);
    workload.spec = spec;
    if (workload.instances.some((i) => i.hash !== hash)) workload.generation += 1;
    workload.instances = workload.instances.filter((i) => i.index < spec.run.replicas && i.hash === hash);
    for (let index = 0; index < spec.run.replicas; index++) {
      if (workload.instances.some((i) => i.index === index)) continue;
      const state: InstanceState = this.#manual ? 'starting' : 'ready';
      workload.instances.push({ id: instanceId(spec.version, index, workload.generation), index, hash, state });
    }
    workload.instances.sort((a, b) => a.index - b.index);
    if (this.#readySignature(workload) !== before) this.#emit(this.#snapshot(workload));
  }

  waitReady(key: WorkloadKey, min: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return waitForReady(this, { key, min, timeoutMs, signal });
  }

  /** Marks one instance (by id) or every non-ready instance of the workload ready. */
  markReady(key: WorkloadKey, instanceId?: string): void {
    this.#setState(key, 'ready', instanceId);
  }

  /** Marks one instance (by id) or every instance of the workload unready, as a failing probe would. */
  markUnready(key: WorkloadKey, instanceId?: string): void {
    this.#setState(key, 'unready', instanceId);
  }

  status(key: WorkloadKey): WorkloadStatus | undefined {
    const workload = this.#workloads.get(keyOf(key));
    return workload === undefined ? undefined : this.#snapshot(workload);
  }

  list(): readonly WorkloadStatus[] {
    return [...this.#workloads.values()].map((w) => this.#snapshot(w));
  }

  async retire(key: WorkloadKey, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#record({ op: 'retire', service: key.service, version: key.version });
    this.#throwInjected('retire');
    const workload = this.#workloads.get(keyOf(key));
    if (workload === undefined) return;
    this.#workloads.delete(keyOf(key));
    for (const instance of workload.instances) instance.state = 'stopped';
    this.#emit({ ...this.#snapshot(workload), desiredReplicas: 0 });
  }

  onChange(listener: (status: WorkloadStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const status of this.list()) await this.retire(status);
  }

  #setState(key: WorkloadKey, state: 'ready' | 'unready', instanceId: string | undefined): void {
    const workload = this.#workloads.get(keyOf(key));
    if (workload === undefined) {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `memory runtime: no workload ${workloadName(key)}; call ensure() first`);
    }
    const targets = workload.instances.filter((i) => instanceId === undefined || i.id === instanceId);
    if (instanceId !== undefined && targets.length === 0) {
      const known = workload.instances.map((i) => i.id).join(', ');
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `memory runtime: ${workloadName(key)} has no instance "${instanceId}" (has: ${known})`);
    }
    const before = this.#readySignature(workload);
    for (const instance of targets) instance.state = state;
    if (this.#readySignature(workload) !== before) this.#emit(this.#snapshot(workload));
  }

  #snapshot(workload: Workload): WorkloadStatus {
    const { service, version } = workload.spec;
    const instances: InstanceStatus[] = workload.instances.map((i) => ({
      id: i.id,
      endpoint: endpointOf(service, version, i.index),
      state: i.state,
      restarts: 0,
    }));
    const readyEndpoints = instances.filter((i) => i.state === 'ready').map((i) => i.endpoint);
    return { service, version, desiredReplicas: workload.spec.run.replicas, instances, readyEndpoints };
  }

  #readySignature(workload: Workload): string {
    return workload.instances
      .filter((i) => i.state === 'ready')
      .map((i) => i.id)
      .join(',');
  }

  #emit(status: WorkloadStatus): void {
    for (const listener of [...this.#listeners]) listener(status);
  }

  #record(call: MemoryRuntimeCall): void {
    this.#calls.push(call);
  }

  #throwInjected(op: MemoryRuntimeCall['op']): void {
    const error = this.#failures[op].shift();
    if (error !== undefined) throw error;
  }
}

function keyOf(key: WorkloadKey): string {
  return `${key.service}\u0000${key.version}`;
}

function endpointOf(service: string, version: string, index: number): string {
  return `http://memory.invalid/${encodeURIComponent(service)}/${encodeURIComponent(version)}/${index}`;
}

function closedError(key: WorkloadKey): SluiceError {
  return new SluiceError(ErrorCode.ADAPTER_FAILED, `Cannot ensure ${workloadName(key)}: the memory runtime is closed`);
}
