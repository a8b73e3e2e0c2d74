import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Clock } from '@sluice/domain';
import type { InstanceStatus, Runtime, WorkloadKey, WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { specHash, workloadName } from '../spec-hash.js';
import { waitForReady } from '../wait-for-ready.js';
import { InstanceRegistry } from './instance-registry.js';
import { ManagedInstance } from './managed-instance.js';
import type { InstanceHooks, InstanceSettings } from './managed-instance.js';
import { cleanupOrphans } from './orphan-cleanup.js';
import type { OrphanReport } from './orphan-cleanup.js';
import { validateWorkloadSpec } from './validate-workload-spec.js';

export interface ProcessRuntimeOptions {
  /** Directory for instances.json, the record of live processes used for orphan cleanup. */
  readonly stateDir: string;
  /** Base for relative `run.cwd` values; default process.cwd(). */
  readonly cwd?: string;
  readonly clock?: Clock;
  /** Receives instance output (prefixed "[service/version#i]") and runtime notices; default stdout. */
  readonly log?: (line: string) => void;
  /** Crash restart delay: initialMs doubling up to maxMs, back to initialMs after 10 s ready. */
  readonly restartBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Consecutive failed probes that make a ready instance unready; default 3. */
  readonly readinessFailureThreshold?: number;
}

/** A replica index: the instance serving it and, during a rolling replace, its successor. */
interface Slot {
  current: ManagedInstance | undefined;
  next: ManagedInstance | undefined;
}

interface Workload {
  spec: WorkloadSpec;
  hash: string;
  /** Bumped when the spec hash changes, so replacement instances get new ids. */
  generation: number;
  slots: Slot[];
  /** Instances being stopped (scaled away or replaced); listed until they exit. */
  readonly retiring: Set<ManagedInstance>;
  /** Ready endpoints last announced through onChange. */
  announced: string;
}

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/**
 * Runs each version as local processes (`/bin/sh -c <command>`, one process group per instance) on
 * free ports of 127.0.0.1.
 *
 * Orphans: processes left by an earlier control plane that was killed are stopped, not adopted
 * (their output and exit cannot be re-attached). Cleanup starts in the constructor from
 * `<stateDir>/instances.json`; `ensure()` waits for it, and `cleanupOrphans()` returns its report.
 * One runtime per stateDir at a time.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = 'process';
  readonly #cwd: string;
  readonly #clock: Clock;
  readonly #log: (line: string) => void;
  readonly #backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly #failureThreshold: number;
  readonly #registry: InstanceRegistry;
  readonly #orphans: Promise<OrphanReport>;
  readonly #workloads = new Map<string, Workload>();
  readonly #listeners = new Set<(status: WorkloadStatus) => void>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #onProcessExit = (): void => this.#signalAll();
  #closing: Promise<void> | undefined;

  constructor(options: ProcessRuntimeOptions) {
    this.#cwd = resolve(options.cwd ?? process.cwd());
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#log = options.log ?? ((line) => console.log(line));
    this.#backoff = options.restartBackoff ?? DEFAULT_BACKOFF;
    this.#failureThreshold = Math.max(1, options.readinessFailureThreshold ?? 3);
    this.#registry = new InstanceRegistry(resolve(this.#cwd, options.stateDir), this.#log);
    this.#orphans = this.#startOrphanCleanup();
    // A control plane that exits without close() still asks its instances to drain.
    process.on('exit', this.#onProcessExit);
  }

  /** Resolves when leftovers of an earlier run are stopped, with what was found. */
  cleanupOrphans(): Promise<OrphanReport> {
    return this.#orphans;
  }

  async ensure(spec: WorkloadSpec, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    validateWorkloadSpec(spec);
    const cwd = this.#resolveCwd(spec);
    this.#throwIfClosed(spec);
    await this.#orphans;
    await this.#withLock(keyOf(spec), async () => {
      signal?.throwIfAborted();
      this.#throwIfClosed(spec);
      await this.#apply(spec, cwd);
    });
  }

  waitReady(key: WorkloadKey, min: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const explain = (instance: InstanceStatus): string | undefined => this.#find(key, instance.id)?.explain();
    return waitForReady(this, { key, min, timeoutMs, signal, explain });
  }

  status(key: WorkloadKey): WorkloadStatus | undefined {
    const workload = this.#workloads.get(keyOf(key));
    return workload === undefined ? undefined : snapshot(workload);
  }

  list(): readonly WorkloadStatus[] {
    return [...this.#workloads.values()].map(snapshot);
  }

  async retire(key: WorkloadKey, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const done = this.#withLock(keyOf(key), () => this.#retire(key));
    // Aborting stops the wait, not the retirement: the processes still go away.
    return signal === undefined ? done : untilAborted(done, signal);
  }

  onChange(listener: (status: WorkloadStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#orphans;
      await Promise.all([...this.#workloads.values()].map((w) => this.retire(w.spec)));
      process.off('exit', this.#onProcessExit);
    })();
    return this.#closing;
  }

  async #apply(spec: WorkloadSpec, cwd: string): Promise<void> {
    const hash = specHash(spec.run);
    const workload = this.#workloadFor(spec, hash);
    const starts: Promise<void>[] = [];
    for (let index = 0; index < spec.run.replicas; index++) {
      const slot = (workload.slots[index] ??= { current: undefined, next: undefined });
      const started = this.#reconcileSlot(workload, slot, index, cwd);
      if (started !== undefined) starts.push(started);
    }
    for (const slot of workload.slots.slice(spec.run.replicas)) {
      for (const instance of [slot.current, slot.next]) if (instance !== undefined) this.#retireInstance(workload, instance);
    }
    workload.slots.length = Math.min(workload.slots.length, spec.run.replicas);
    await Promise.all(starts);
    this.#announce(workload);
  }

  #workloadFor(spec: WorkloadSpec, hash: string): Workload {
    let workload = this.#workloads.get(keyOf(spec));
    if (workload === undefined) {
      workload = { spec, hash, generation: 0, slots: [], retiring: new Set(), announced: '' };
      this.#workloads.set(keyOf(spec), workload);
    } else if (workload.hash !== hash) {
      workload.hash = hash;
      workload.generation += 1;
    }
    workload.spec = spec;
    return workload;
  }

  /**
   * Makes one slot run the workload's spec. A changed spec starts a successor beside the current
   * instance; the current one is stopped when the successor is ready (see #instanceChanged).
   */
  #reconcileSlot(workload: Workload, slot: Slot, index: number, cwd: string): Promise<void> | undefined {
    const { spec, hash } = workload;
    if (slot.current?.specHash === hash) {
      slot.current.update(spec);
      if (slot.next !== undefined) this.#retireInstance(workload, slot.next);
      slot.next = undefined;
      return undefined;
    }
    if (slot.next?.specHash === hash) {
      slot.next.update(spec);
      return undefined;
    }
    if (slot.next !== undefined) this.#retireInstance(workload, slot.next);
    const instance = this.#createInstance(workload, index, cwd);
    if (slot.current === undefined || slot.current.state === 'crashed') {
      if (slot.current !== undefined) this.#retireInstance(workload, slot.current);
      slot.current = instance;
      slot.next = undefined;
    } else {
      slot.next = instance;
    }
    return instance.start();
  }

  #createInstance(workload: Workload, index: number, cwd: string): ManagedInstance {
    const settings: InstanceSettings = {
      cwd,
      clock: this.#clock,
      backoff: this.#backoff,
      failureThreshold: this.#failureThreshold,
    };
    const hooks: InstanceHooks = {
      changed: (instance) => this.#instanceChanged(workload, instance),
      spawned: (record) => this.#registry.put(record),
      exited: (pgid) => this.#registry.remove(pgid),
      log: this.#log,
    };
    return new ManagedInstance(workload.spec, { index, generation: workload.generation }, settings, hooks);
  }

  /** Completes rolling replaces, then announces the ready set if it changed. */
  #instanceChanged(workload: Workload, instance: ManagedInstance): void {
    const slot = workload.slots[instance.index];
    if (slot !== undefined && slot.next === instance && instance.state === 'ready') {
      if (slot.current !== undefined) this.#retireInstance(workload, slot.current);
      slot.current = instance;
      slot.next = undefined;
    } else if (slot !== undefined && slot.current === instance && instance.state === 'crashed' && slot.next !== undefined) {
      // The old version died during the replace: let the successor take the slot instead of restarting it.
      this.#retireInstance(workload, instance);
      slot.current = slot.next;
      slot.next = undefined;
    }
    this.#announce(workload);
  }

  #retireInstance(workload: Workload, instance: ManagedInstance): void {
    workload.retiring.add(instance);
    void instance.stop().then(() => {
      workload.retiring.delete(instance);
    });
  }

  async #retire(key: WorkloadKey): Promise<void> {
    const workload = this.#workloads.get(keyOf(key));
    if (workload === undefined) return;
    const instances = instancesOf(workload);
    workload.slots = [];
    for (const instance of instances) workload.retiring.add(instance);
    await Promise.all(instances.map((i) => i.stop()));
    const final: WorkloadStatus = {
      ...snapshot(workload),
      desiredReplicas: 0,
      instances: instances.map((i) => i.snapshot()),
    };
    workload.retiring.clear();
    this.#workloads.delete(keyOf(key));
    workload.announced = '';
    this.#emit(final);
  }

  #announce(workload: Workload): void {
    const status = snapshot(workload);
    const signature = status.readyEndpoints.join(' ');
    if (signature === workload.announced || this.#workloads.get(keyOf(workload.spec)) !== workload) return;
    workload.announced = signature;
    this.#emit(status);
  }

  #emit(status: WorkloadStatus): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(status);
      } catch (error) {
        this.#log(`[runtime] an onChange listener failed for ${workloadName(status)}: ${String(error)}`);
      }
    }
  }

  #find(key: WorkloadKey, id: string): ManagedInstance | undefined {
    const workload = this.#workloads.get(keyOf(key));
    return workload === undefined ? undefined : instancesOf(workload).find((i) => i.id === id);
  }

  #resolveCwd(spec: WorkloadSpec): string {
    const cwd = resolve(this.#cwd, spec.run.cwd ?? '.');
    let isDir = false;
    try {
      isDir = statSync(cwd).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      throw new SluiceError(
        ErrorCode.ADAPTER_FAILED,
        `Cannot run ${workloadName(spec)}: working directory ${cwd} does not exist (run.cwd ${JSON.stringify(spec.run.cwd ?? '.')} resolved against ${this.#cwd}); expected an existing directory`,
        { details: { service: spec.service, version: spec.version, cwd } },
      );
    }
    return cwd;
  }

  #throwIfClosed(key: WorkloadKey): void {
    if (this.#closing !== undefined) {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `Cannot ensure ${workloadName(key)}: the process runtime is closed`);
    }
  }

  /** Serialises ensure/retire per workload, so two calls never start the same replica twice. */
  #withLock(name: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.catch(() => undefined);
    this.#locks.set(name, tail);
    void tail.then(() => {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    });
    return run;
  }

  #startOrphanCleanup(): Promise<OrphanReport> {
    const leftovers = this.#registry.load();
    // Keep them on disk until handled: a crash during cleanup must not forget them.
    for (const record of leftovers) this.#registry.put(record);
    return cleanupOrphans(leftovers, this.#log).then(
      (report) => {
        for (const record of leftovers) this.#registry.remove(record.pgid);
        return report;
      },
      (error: unknown) => {
        this.#log(`[runtime] orphan cleanup failed: ${String(error)}`);
        return { stopped: [], gone: [], foreign: [] };
      },
    );
  }

  #signalAll(): void {
    for (const workload of this.#workloads.values()) for (const instance of instancesOf(workload)) instance.signalExit();
  }
}

function keyOf(key: WorkloadKey): string {
  return `${key.service}\u0000${key.version}`;
}

function instancesOf(workload: Workload): ManagedInstance[] {
  const inSlots = workload.slots.flatMap((s) => [s.current, s.next]);
  const all = new Set([...inSlots, ...workload.retiring]);
  return [...all].filter((i): i is ManagedInstance => i !== undefined);
}

function snapshot(workload: Workload): WorkloadStatus {
  const instances = instancesOf(workload).map((i) => i.snapshot());
  const readyEndpoints = instances.filter((i) => i.state === 'ready').map((i) => i.endpoint);
  const { service, version, run } = workload.spec;
  return { service, version, desiredReplicas: run.replicas, instances, readyEndpoints };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
