import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Clock, RunSpec } from '@sluice/domain';
import { NO_DATA_PLANE } from '../runtime.js';
import type { DataPlaneGate, InstanceStatus, RunRefusal, Runtime, WorkloadKey, WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { workloadName } from '../spec-hash.js';
import { waitForReady } from '../wait-for-ready.js';
import { confirmInTable, leaveDataPlane } from './data-plane-steps.js';
import type { DataPlaneSteps } from './data-plane-steps.js';
import { InstanceRegistry } from './instance-registry.js';
import { ManagedInstance } from './managed-instance.js';
import type { InstanceHooks, InstanceSettings } from './managed-instance.js';
import { cleanupOrphans } from './orphan-cleanup.js';
import type { OrphanReport } from './orphan-cleanup.js';
import { ProcessWorkload } from './process-workload.js';
import type { Target } from './rolling-update.js';
import { processRunRefusal, validateWorkloadSpec } from './validate-workload-spec.js';

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
  /**
   * The data plane, asked during replacements: a new instance counts once it is in the table, an old
   * one gets SIGTERM once it is out of the table and drained. Default: nothing to ask (NO_DATA_PLANE).
   */
  readonly dataPlane?: DataPlaneGate;
  /** Unexpected exits of one new instance that roll a rolling update back; default 3. */
  readonly crashLoopExits?: number;
}

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/**
 * Runs each version as local processes (`/bin/sh -c <command>`, one process group per instance) on
 * free ports of 127.0.0.1. A changed command, env or cwd is rolled out in batches (ProcessWorkload,
 * RollingUpdate): a new instance counts once it is ready and in the data plane's table; an old one
 * leaves the table, drains, gets SIGTERM, then SIGKILL after its grace period.
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
  readonly #steps: DataPlaneSteps;
  readonly #crashLoopExits: number;
  readonly #workloads = new Map<string, ProcessWorkload>();
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
    this.#steps = { gate: options.dataPlane ?? NO_DATA_PLANE, verbose: options.dataPlane !== undefined, log: this.#log };
    this.#crashLoopExits = Math.max(1, options.crashLoopExits ?? 3);
    this.#registry = new InstanceRegistry(resolve(this.#cwd, options.stateDir), this.#log);
    this.#orphans = this.#startOrphanCleanup();
    // A control plane that exits without close() still asks its instances to drain.
    process.on('exit', this.#onProcessExit);
  }

  /** Resolves when leftovers of an earlier run are stopped, with what was found. */
  cleanupOrphans(): Promise<OrphanReport> {
    return this.#orphans;
  }

  cannotRun(run: RunSpec): RunRefusal | undefined {
    return processRunRefusal(run);
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
    return this.#workloads.get(keyOf(key))?.snapshot();
  }

  list(): readonly WorkloadStatus[] {
    return [...this.#workloads.values()].map((w) => w.snapshot());
  }

  async retire(key: WorkloadKey, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const done = this.#withLock(keyOf(key), () => this.#retire(key, this.#closing === undefined));
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
      // Waits on the data plane end now: it is closing too, and stopping must not take grace periods.
      for (const workload of this.#workloads.values()) workload.cancelWaits();
      await Promise.all([...this.#workloads.values()].map((w) => this.retire(w.desired)));
      process.off('exit', this.#onProcessExit);
    })();
    return this.#closing;
  }

  async #apply(spec: WorkloadSpec, cwd: string): Promise<void> {
    let workload = this.#workloads.get(keyOf(spec));
    if (workload === undefined) {
      workload = this.#newWorkload(spec, cwd);
      this.#workloads.set(keyOf(spec), workload);
    }
    await Promise.all(workload.ensure(spec, cwd));
    this.#announce(workload);
  }

  #newWorkload(spec: WorkloadSpec, cwd: string): ProcessWorkload {
    const workload: ProcessWorkload = new ProcessWorkload(spec, cwd, {
      now: () => this.#clock.now(),
      log: this.#log,
      crashLoopExits: this.#crashLoopExits,
      create: (target, index, generation) => this.#createInstance(workload, target, index, generation),
      confirm: (instance, signal) => confirmInTable(this.#steps, workload.desired, instance, signal),
      leave: (instance, signal) => leaveDataPlane(this.#steps, workload.desired, instance, signal),
      announce: () => this.#announce(workload),
    });
    return workload;
  }

  #createInstance(workload: ProcessWorkload, target: Target, index: number, generation: number): ManagedInstance {
    const settings: InstanceSettings = {
      cwd: target.cwd,
      clock: this.#clock,
      backoff: this.#backoff,
      failureThreshold: this.#failureThreshold,
    };
    const hooks: InstanceHooks = {
      changed: (instance) => workload.instanceChanged(instance),
      spawned: (record) => this.#registry.put(record),
      exited: (pgid) => this.#registry.remove(pgid),
      log: this.#log,
    };
    return new ManagedInstance(target.spec, { index, generation }, settings, hooks);
  }

  /** Stops every instance; `gated` lets each leave the data plane and drain first (not when closing). */
  async #retire(key: WorkloadKey, gated: boolean): Promise<void> {
    const workload = this.#workloads.get(keyOf(key));
    if (workload === undefined) return;
    const instances = await workload.stopAll(gated);
    const final: WorkloadStatus = { ...workload.snapshot(), desiredReplicas: 0, instances };
    this.#workloads.delete(keyOf(key));
    workload.announced = '';
    this.#emit(final);
  }

  #announce(workload: ProcessWorkload): void {
    if (this.#workloads.get(keyOf(workload.desired)) !== workload) return;
    const status = workload.snapshot();
    const signature = status.readyEndpoints.join(' ');
    if (signature === workload.announced) return;
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
    return this.#workloads.get(keyOf(key))?.find(id);
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
    for (const workload of this.#workloads.values()) for (const instance of [...workload.instances, ...workload.leaving]) instance.signalExit();
  }
}

function keyOf(key: WorkloadKey): string {
  return `${key.service}\u0000${key.version}`;
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
