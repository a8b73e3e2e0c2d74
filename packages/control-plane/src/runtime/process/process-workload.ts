import { nextRollingStep, resolveRollingBounds, rollingUpdateOf } from '@sluice/domain';
import type { InstanceStatus, RollingUpdateStatus, WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { specHash, workloadName } from '../spec-hash.js';
import type { ManagedInstance } from './managed-instance.js';
import { RollingUpdate, withIdentity } from './rolling-update.js';
import type { Target, UpdateHost } from './rolling-update.js';

/** What a workload needs from its runtime. */
export interface WorkloadDeps {
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Makes (does not start) an instance of `target` for replica `index`; its changes must reach instanceChanged. */
  create(target: Target, index: number, generation: number): ManagedInstance;
  /** Waits until the data plane routes to a ready instance (rejects on abort). */
  confirm(instance: ManagedInstance, signal: AbortSignal): Promise<void>;
  /** Runs before an instance's SIGTERM: out of the data plane's table, then drained. */
  leave(instance: ManagedInstance, signal: AbortSignal): Promise<void>;
  /** Ready endpoints may have changed. */
  announce(): void;
  /** Unexpected exits of one new instance that make a rolling update roll back. */
  readonly crashLoopExits: number;
}

/**
 * One version of a service as local processes. Instances of the target spec serve; instances of
 * any other spec are "old" and are replaced in batches (RollingUpdate decides and rolls back). An
 * instance taken out of service is "leaving" until its process has exited: it leaves the data
 * plane, drains, gets SIGTERM and, after the grace period, SIGKILL.
 */
export class ProcessWorkload implements UpdateHost {
  /** Last spec ensured. */
  desired: WorkloadSpec;
  target: Target;
  /** Bumped when the target spec changes, so replacement instances get new ids. */
  generation = 0;
  readonly instances = new Set<ManagedInstance>();
  readonly leaving = new Set<ManagedInstance>();
  /** Target instances that are ready and confirmed in the data plane's table. */
  readonly available = new Set<ManagedInstance>();
  readonly #confirming = new Set<ManagedInstance>();
  readonly #deps: WorkloadDeps;
  readonly #abort = new AbortController();
  readonly #update: RollingUpdate;
  /** Ready endpoints last announced through onChange. */
  announced = '';
  #busy = false;
  #again = false;
  #closed = false;

  constructor(spec: WorkloadSpec, cwd: string, deps: WorkloadDeps) {
    this.desired = spec;
    this.target = { spec, hash: specHash(spec.run), cwd };
    this.#deps = deps;
    this.#update = new RollingUpdate(this, deps);
  }

  get name(): string {
    return workloadName(this.desired);
  }

  /** Takes a newly ensured spec; returns the starts it caused. */
  ensure(spec: WorkloadSpec, cwd: string): Promise<void>[] {
    this.desired = spec;
    const hash = specHash(spec.run);
    if (hash !== this.target.hash && this.#update.accepts(hash)) {
      this.retarget({ spec, hash, cwd });
    } else {
      // Same identity (or the spec just rolled back from): take replicas, readiness, grace and bounds.
      this.target = { ...this.target, spec: withIdentity(spec, this.target.spec.run) };
    }
    for (const instance of this.instances) if (instance.specHash === this.target.hash) instance.update(this.target.spec);
    return this.reconcile();
  }

  /** Points new instances at `target` (a changed spec, or with `rollback` the previous one coming back). */
  retarget(target: Target, rollback?: string): void {
    this.#update.begin(this.target, target, this.instances.size > 0, rollback);
    this.target = target;
    this.generation += 1;
    this.available.clear();
  }

  /** Converges towards the target; safe to call from any event. Returns the starts it caused. */
  reconcile(): Promise<void>[] {
    if (this.#closed) return [];
    if (this.#busy) {
      this.#again = true;
      return [];
    }
    this.#busy = true;
    const starts: Promise<void>[] = [];
    try {
      do {
        this.#again = false;
        starts.push(...this.#reconcileOnce());
      } while (this.#again && !this.#closed);
    } finally {
      this.#busy = false;
    }
    return starts;
  }

  /** An instance changed state: keeps the available set true, then converges. */
  instanceChanged(instance: ManagedInstance): void {
    if (instance.state !== 'ready') this.available.delete(instance);
    this.#deps.announce();
    this.reconcile();
  }

  /** Ends every wait on the data plane at once (the runtime is closing). */
  cancelWaits(): void {
    this.#abort.abort();
  }

  /** Stops converging; `gated` false skips the data-plane waits (the runtime is closing). Resolves when every process is gone. */
  async stopAll(gated: boolean): Promise<InstanceStatus[]> {
    this.#closed = true;
    this.#update.dispose();
    if (!gated) this.#abort.abort();
    const all = [...this.instances, ...this.leaving];
    for (const instance of this.instances) this.#remove(instance);
    await Promise.all(all.map((i) => i.stop()));
    return all.map((i) => i.snapshot());
  }

  snapshot(): WorkloadStatus {
    const instances = [...this.instances, ...this.leaving].sort((a, b) => a.index - b.index).map((i) => i.snapshot());
    const readyEndpoints = instances.filter((i) => i.state === 'ready').map((i) => i.endpoint);
    const { service, version, run } = this.desired;
    const update: RollingUpdateStatus | undefined = this.#update.status();
    return { service, version, desiredReplicas: run.replicas, instances, readyEndpoints, ...(update === undefined ? {} : { update }) };
  }

  /** The instance with `id`, in service or leaving. */
  find(id: string): ManagedInstance | undefined {
    return [...this.instances, ...this.leaving].find((i) => i.id === id);
  }

  /** Instances in service that do not run the target spec. */
  old(): ManagedInstance[] {
    return [...this.instances].filter((i) => i.specHash !== this.target.hash);
  }

  /** Instances in service that run the target spec. */
  current(): ManagedInstance[] {
    return [...this.instances].filter((i) => i.specHash === this.target.hash);
  }

  #reconcileOnce(): Promise<void>[] {
    const old = this.old();
    const current = this.current();
    const desired = this.desired.run.replicas;
    if (this.#update.active) for (const instance of current) if (instance.state === 'ready') this.#confirm(instance);
    // Also without old instances: processes still leaving count against the surge (a rollback restarting old ones).
    const bounds = resolveRollingBounds(rollingUpdateOf(this.desired.run), desired);
    const oldReady = old.filter((i) => i.state === 'ready');
    const step = nextRollingStep(
      { desired, old: old.length, oldReady: oldReady.length, updated: current.length, updatedAvailable: this.available.size, leaving: this.leaving.size },
      bounds,
    );
    // Crashed and never-ready old instances go first; then the highest replica indexes.
    const unready = old.filter((i) => i.state !== 'ready').sort((a, b) => b.exits - a.exits);
    for (const instance of unready.slice(0, step.removeUnready)) this.#remove(instance);
    for (const instance of oldReady.sort((a, b) => b.index - a.index).slice(0, step.removeReady)) this.#remove(instance);
    this.#removeExtra(current, desired);
    const starts = this.#start(step.start);
    this.#update.check(bounds);
    return starts;
  }

  #start(count: number): Promise<void>[] {
    const starts: Promise<void>[] = [];
    for (let n = 0; n < count; n++) {
      const instance = this.#deps.create(this.target, this.#freeIndex(), this.generation);
      this.instances.add(instance);
      starts.push(instance.start());
    }
    return starts;
  }

  /** The lowest replica index no instance of the target spec uses, in service or leaving. */
  #freeIndex(): number {
    const used = new Set([...this.instances, ...this.leaving].filter((i) => i.specHash === this.target.hash).map((i) => i.index));
    let index = 0;
    while (used.has(index)) index++;
    return index;
  }

  /** Scales the target instances down to `desired`: unready ones first, then the highest indexes. */
  #removeExtra(current: readonly ManagedInstance[], desired: number): void {
    const extra = current.length - Math.max(0, desired);
    if (extra <= 0) return;
    const order = [...current].sort((a, b) => Number(a.state === 'ready') - Number(b.state === 'ready') || b.index - a.index);
    for (const instance of order.slice(0, extra)) this.#remove(instance);
  }

  #remove(instance: ManagedInstance): void {
    if (!this.instances.delete(instance)) return;
    this.available.delete(instance);
    this.leaving.add(instance);
    void instance
      .stop(() => this.#deps.leave(instance, this.#abort.signal))
      .then(() => {
        this.leaving.delete(instance);
        this.#update.progressed();
        this.#deps.announce();
        this.reconcile();
      });
  }

  /** Confirms a ready target instance in the data plane's table, once; then it counts as available. */
  #confirm(instance: ManagedInstance): void {
    if (this.available.has(instance) || this.#confirming.has(instance)) return;
    this.#confirming.add(instance);
    this.#deps.confirm(instance, this.#abort.signal).then(
      () => {
        this.#confirming.delete(instance);
        if (instance.state !== 'ready' || !this.instances.has(instance) || instance.specHash !== this.target.hash) return;
        this.available.add(instance);
        this.#update.progressed();
        this.reconcile();
      },
      () => this.#confirming.delete(instance),
    );
  }
}
