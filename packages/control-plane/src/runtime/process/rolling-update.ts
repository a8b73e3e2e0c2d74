import { formatDuration, rollingUpdateOf } from '@sluice/domain';
import type { RollingBounds, RunSpec } from '@sluice/domain';
import type { RollingUpdateStatus, WorkloadSpec } from '../runtime.js';
import type { ManagedInstance } from './managed-instance.js';

/** What new instances of a workload run: a spec, its hash, and its working directory resolved. */
export interface Target {
  readonly spec: WorkloadSpec;
  readonly hash: string;
  readonly cwd: string;
}

/** The workload a rolling update belongs to, as the update sees it. */
export interface UpdateHost {
  readonly name: string;
  readonly desired: WorkloadSpec;
  readonly target: Target;
  /** Target instances ready and confirmed in the data plane. */
  readonly available: ReadonlySet<ManagedInstance>;
  readonly leaving: ReadonlySet<ManagedInstance>;
  old(): ManagedInstance[];
  current(): ManagedInstance[];
  /** Points new instances at `target`; `rollback` says why, when it is the previous spec coming back. */
  retarget(target: Target, rollback?: string): void;
  reconcile(): Promise<void>[];
}

export interface UpdateDeps {
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Unexpected exits of one new instance that make the update roll back. */
  readonly crashLoopExits: number;
}

interface Progress {
  /** Where a rollback returns to: the spec that served before this update (or chain of updates) began. */
  readonly previous: Target;
  readonly rollingBack: boolean;
  readonly reason?: string;
  lastProgressAt: number;
}

/**
 * The life of one rolling update: started by a changed spec, done once only target instances are
 * left and (going forward) all of them are available. Going forward it watches for failure — a new
 * instance in a crash loop, or no progress within `progressDeadline` — and then rolls back: the
 * previous spec becomes the target again and the same batched replacement brings it back. A spec
 * that was rolled back is not rolled out again until the spec changes.
 */
export class RollingUpdate {
  readonly #host: UpdateHost;
  readonly #deps: UpdateDeps;
  #progress: Progress | undefined;
  /** The spec rolled back from, and why. */
  #failed: { readonly hash: string; readonly reason: string; noted: boolean } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(host: UpdateHost, deps: UpdateDeps) {
    this.#host = host;
    this.#deps = deps;
  }

  /** True while instances are being replaced (forward or back). */
  get active(): boolean {
    return this.#progress !== undefined;
  }

  /** False for the spec last rolled back from: ensuring it again keeps the previous spec running. */
  accepts(hash: string): boolean {
    const failed = this.#failed;
    if (failed === undefined || failed.hash !== hash) return true;
    if (!failed.noted) this.#log(`keeps the previous spec: the new one was rolled back (${failed.reason}); change the spec to try again`);
    failed.noted = true;
    return false;
  }

  /** The target changes from `from` to `to`; `running` is false when nothing runs yet (no update then). */
  begin(from: Target, to: Target, running: boolean, rollback?: string): void {
    clearTimeout(this.#timer);
    const now = this.#deps.now();
    if (rollback !== undefined) {
      this.#failed = { hash: from.hash, reason: rollback, noted: false };
      this.#progress = { previous: to, rollingBack: true, reason: rollback, lastProgressAt: now };
      return;
    }
    this.#failed = undefined;
    if (!running) {
      this.#progress = undefined;
      return;
    }
    // An update on top of an update keeps the spec that served before the first one as the way back.
    const previous = this.#progress !== undefined && !this.#progress.rollingBack ? this.#progress.previous : from;
    this.#progress = { previous, rollingBack: false, lastProgressAt: now };
    const { maxSurge, maxUnavailable } = rollingUpdateOf(to.spec.run);
    this.#log(`rolling update to a new spec (${to.hash.slice(0, 8)}): ${to.spec.run.replicas} replica(s), maxSurge ${maxSurge}, maxUnavailable ${maxUnavailable}`);
  }

  /** Something moved: a new instance became available, or an old one finished leaving. */
  progressed(): void {
    if (this.#progress !== undefined) this.#progress.lastProgressAt = this.#deps.now();
  }

  /** After each reconcile: finishes the update, or rolls it back when it failed; arms the deadline timer. */
  check(bounds: RollingBounds): void {
    const progress = this.#progress;
    if (progress === undefined) return;
    const otherLeaving = [...this.#host.leaving].some((i) => i.specHash !== this.#host.target.hash);
    const replaced = this.#host.old().length === 0 && !otherLeaving;
    if (progress.rollingBack) {
      if (replaced) this.#finish(`rolled back to the previous spec (${this.#host.target.hash.slice(0, 8)})`);
      return;
    }
    const failure = this.#failure(progress);
    if (failure !== undefined) return this.#rollBack(progress, failure);
    if (replaced && this.#host.available.size >= this.#host.desired.run.replicas) {
      const how = `maxSurge ${bounds.maxSurge}, maxUnavailable ${bounds.maxUnavailable}`;
      return this.#finish(`rolling update done: ${this.#host.desired.run.replicas} instance(s) run the new spec (${how})`);
    }
    this.#arm(progress);
  }

  status(): RollingUpdateStatus | undefined {
    const progress = this.#progress;
    if (progress !== undefined) {
      return progress.rollingBack ? { state: 'rolling-back', ...(progress.reason === undefined ? {} : { reason: progress.reason }) } : { state: 'progressing' };
    }
    return this.#failed === undefined ? undefined : { state: 'rolled-back', reason: this.#failed.reason };
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#progress = undefined;
  }

  #failure(progress: Progress): string | undefined {
    const looping = this.#host.current().find((i) => i.exits >= this.#deps.crashLoopExits);
    if (looping !== undefined) {
      return `new instance ${looping.id} exited ${looping.exits} times (last ${looping.lastExit ?? 'unknown'})${detail(looping)}`;
    }
    const deadline = rollingUpdateOf(this.#host.desired.run).progressDeadlineMs;
    if (this.#deps.now() - progress.lastProgressAt < deadline) return undefined;
    const lagging = this.#host.current().filter((i) => !this.#host.available.has(i));
    const why = lagging.map((i) => `${i.id} is ${i.state}${detail(i)}`).join('; ');
    return `no progress for ${formatDuration(deadline)} (progressDeadline)${why === '' ? '' : `: ${why}`}`;
  }

  #rollBack(progress: Progress, reason: string): void {
    this.#log(`rolling update failed: ${reason}; rolling back to the previous spec (${progress.previous.hash.slice(0, 8)})`);
    const { previous } = progress;
    this.#host.retarget({ spec: withIdentity(this.#host.desired, previous.spec.run), hash: previous.hash, cwd: previous.cwd }, reason);
    this.#host.reconcile();
  }

  #finish(message: string): void {
    clearTimeout(this.#timer);
    this.#progress = undefined;
    this.#log(message);
  }

  /** Wakes a reconcile when the progress deadline passes, so a stalled update is noticed without any event. */
  #arm(progress: Progress): void {
    clearTimeout(this.#timer);
    const deadline = rollingUpdateOf(this.#host.desired.run).progressDeadlineMs;
    const wait = Math.max(0, progress.lastProgressAt + deadline - this.#deps.now()) + 5;
    this.#timer = setTimeout(() => this.#host.reconcile(), wait);
    this.#timer.unref();
  }

  #log(message: string): void {
    this.#deps.log(`[runtime] ${this.#host.name}: ${message}`);
  }
}

/** `spec` running what `identity` runs (command, env, cwd), with everything else (replicas, readiness…) from `spec`. */
export function withIdentity(spec: WorkloadSpec, identity: RunSpec): WorkloadSpec {
  const { cwd: _cwd, ...rest } = spec.run;
  const run: RunSpec = { ...rest, ...(identity.command === undefined ? {} : { command: identity.command }), env: identity.env, ...(identity.cwd === undefined ? {} : { cwd: identity.cwd }) };
  return { ...spec, run };
}

function detail(instance: ManagedInstance): string {
  const explained = instance.explain();
  return explained === undefined ? '' : ` (${explained})`;
}
