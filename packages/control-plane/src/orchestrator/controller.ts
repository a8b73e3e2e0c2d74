import { planScaleDown, type Clock, type Rollout, type Service } from '@sluice/domain';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import type { Guardian } from '../guard/guardian.js';
import type { Logger } from '../platform/logger.js';
import type { Runtime, WorkloadStatus } from '../runtime/runtime.js';
import type { FlagRestorer } from './rollback.js';
import type { SchemaMigrator } from '../migrations/schema-migrator.js';
import type { Store } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { reconcileRollout, type ReconcileOutcome, type RolloutReconcileDeps } from './reconcile-rollout.js';
import { readyBackends, reconcileService, type ServiceReconcileDeps } from './reconcile-service.js';
import { CommitBatcher } from './commit-batcher.js';
import { loadSegments } from './traffic-split.js';
import { versionsInUse } from './scale-down.js';
import type { StepExecutorRegistry } from './step-executor.js';
import type { TargetRouting } from '../waves/target-routers.js';

export interface ControllerDeps {
  readonly store: Store;
  readonly traffic: TrafficRouter;
  readonly runtime: Runtime;
  readonly executors: StepExecutorRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  /** Metric providers and templates for analysis and checklist verifications. */
  readonly analysis?: AnalysisDeps | undefined;
  /** The release guardian. */
  readonly guardian?: Guardian | undefined;
  /** Called after each pass with the rollouts still active at its end (to stop the work of steps that ended). */
  readonly afterPass?: ((active: readonly Rollout[]) => void) | undefined;
  /** The Targets' data planes (staged waves); absent, only the service's own data plane is served. */
  readonly targets?: TargetRouting | undefined;
  /** Restores flags during a rollback (the plan's `flags` op). */
  readonly flags?: FlagRestorer | undefined;
  /** Runs rollouts' schema migrations. */
  readonly migrator?: SchemaMigrator | undefined;
  /** Longest the loop sleeps between passes (it also wakes on `kick`). Default 1000 ms. */
  readonly pollMs?: number | undefined;
  /** Services (and rollouts) a pass reconciles side by side. Default 16; 1 reconciles one at a time. */
  readonly concurrency?: number | undefined;
}

/**
 * The control loop. Each pass converges every service (workloads, routes), then drives every
 * active rollout as far as it can go. All state comes from the store, so a pass after a crash
 * continues exactly where the last committed change left off.
 */
export class Controller {
  readonly #deps: ControllerDeps;
  readonly #abort = new AbortController();
  readonly #outcomes = new Map<string, ReconcileOutcome>();
  /** The key each service was last reconciled with, and when (see #serviceKeys). */
  readonly #servicesSeen = new Map<string, { readonly key: string; readonly backends: string; readonly at: number }>();
  /** What each rollout's last reconcile started from (see #unchangedSince). */
  readonly #seen = new Map<string, Seen>();
  /** The last error per service or rollout, so a persisting failure is logged once, not every pass. */
  readonly #errors = new Map<string, string>();
  readonly #retiring = new Set<string>();
  #wake: (() => void) | undefined;
  #kicked = false;
  #loop: Promise<void> | undefined;

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
  }

  /** Runs one pass now and then keeps running in the background until `stop`. */
  async start(): Promise<void> {
    // The first pass's wake-up time carries into the loop: after a restart a rollout due in 200 ms
    // must not wait for the first full poll interval.
    this.#loop = this.#run(await this.reconcileOnce());
  }

  /** Asks for a pass as soon as possible (after an API command or a readiness change). */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
  }

  /** Why a rollout is waiting, as of the last pass (for the API and CLI). */
  outcome(rollout: string): ReconcileOutcome | undefined {
    return this.#outcomes.get(rollout);
  }

  /**
   * One pass over everything. Returns the earliest time a waiting rollout asked to be woken.
   * Services, then rollouts, are reconciled `concurrency` at a time (a service's rollouts one after
   * another), rollouts due soonest first; their commits are grouped into shared transactions.
   */
  async reconcileOnce(): Promise<number | undefined> {
    const { store, runtime } = this.#deps;
    const signal = this.#abort.signal;
    const limit = Math.max(1, this.#deps.concurrency ?? 16);
    const services = await store.services.list();
    // Segments and flags as stored at the start of the pass, and their versions (what a skipped rollout last saw).
    const references = await referenceVersions(store);
    const pass = { workloads: byService(runtime.list()), segments: await loadSegments(store.segments, store.flags) };
    const serviceDeps: ServiceReconcileDeps = { ...this.#deps, rollouts: store.rollouts, segments: store.segments, flagStore: store.flags, experiments: store.experiments, retiring: this.#retiring, pass };
    // Read once for the pass: reconciling services writes no rollout.
    const active = await store.rollouts.list({ activeOnly: true });
    const serviceKeys = await this.#serviceKeys(services, active, pass.workloads, references);
    const start = this.#deps.clock.now();
    const pollMs = this.#deps.pollMs ?? 1000;
    await forEachLimited(services, limit, async (service) => {
      const key = serviceKeys.get(service.name);
      const seen = this.#servicesSeen.get(service.name);
      // The ready endpoints now against those last published: readiness that flapped while the last
      // reconcile ran (published one way, back the other since) is not mistaken for "unchanged".
      const unchanged = key !== undefined && seen?.key === key && seen.backends === JSON.stringify(readyBackends(service, runtime));
      if (unchanged && start - seen.at < pollMs && !this.#errors.has(`service/${service.name}`)) return;
      this.#servicesSeen.delete(service.name);
      try {
        const published = await reconcileService(service, serviceDeps, signal);
        if (key !== undefined) this.#servicesSeen.set(service.name, { key, backends: JSON.stringify(published), at: start });
        this.#clearError(`service/${service.name}`);
      } catch (error) {
        this.#noteError(`service/${service.name}`, error, 'service reconcile failed; retrying every pass');
      }
    });
    for (const name of this.#servicesSeen.keys()) if (!serviceKeys.has(name)) this.#servicesSeen.delete(name);
    let wakeAt: number | undefined;
    const batcher = new CommitBatcher(store);
    const commit = batcher.commit.bind(batcher);
    const inputs = { services: new Map(services.map((s) => [s.name, s.version] as const)), references };
    const now = this.#deps.clock.now();
    const due = active.filter((r) => {
      if (!this.#unchangedSince(r, inputs, now, pollMs)) return true;
      const outcome = this.#outcomes.get(r.name);
      if (outcome?.kind === 'waiting' && outcome.until !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, outcome.until);
      return false;
    });
    await forEachLimited(this.#byService(due), limit, async (group) => {
      for (const r of group) {
        this.#seen.set(r.name, { version: r.version, service: inputs.services.get(r.spec.service), references: inputs.references, at: now });
        const outcome = await this.#reconcile(r.name, signal, { commit, segments: pass.segments });
        this.#outcomes.set(r.name, outcome);
        if (outcome.kind === 'waiting' && outcome.until !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, outcome.until);
      }
    });
    const names = new Set(active.map((r) => r.name));
    for (const name of this.#seen.keys()) if (!names.has(name)) this.#seen.delete(name);
    if (this.#deps.afterPass !== undefined) this.#deps.afterPass(await store.rollouts.list({ activeOnly: true }));
    return wakeAt;
  }

  /**
   * Per service, everything its reconcile reads (its stored version, its active rollout's, the
   * segments', flags' and running experiments', what the runtime reports of its workloads), or no key
   * when it must be reconciled anyway: a scale-down due, a retirement in flight, staged waves. A
   * service whose key is the one it was last reconciled with, less than pollMs ago, is skipped: its
   * data plane is re-checked every pollMs, as when every pass reconciled every service.
   */
  async #serviceKeys(services: readonly Service[], activeRollouts: readonly Rollout[], workloads: ReadonlyMap<string, readonly WorkloadStatus[]>, references: string): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    if (this.#deps.targets !== undefined) return keys;
    const { store, clock } = this.#deps;
    const activeByService = new Map<string, Rollout[]>();
    for (const r of activeRollouts) activeByService.set(r.spec.service, [...(activeByService.get(r.spec.service) ?? []), r]);
    const experiments = (await store.experiments.list({ runningOnly: true })).map((e) => `${e.name}:${e.version}`).join(',');
    const now = clock.now();
    const retiring = new Set([...this.#retiring].map((id) => id.slice(0, id.lastIndexOf('/'))));
    for (const service of services) {
      const active = activeByService.get(service.name) ?? [];
      if (retiring.has(service.name) || planScaleDown(service, versionsInUse(active[0]), now) !== undefined) continue;
      const runtime = (workloads.get(service.name) ?? []).map((w) => `${w.version}:${w.desiredReplicas}:${w.instances.map((i) => `${i.id}=${i.state}`).join(';')}`);
      keys.set(service.name, JSON.stringify([service.version, active.map((r) => `${r.name}:${r.version}`), references, experiments, runtime]));
    }
    return keys;
  }

  /**
   * True when reconciling `rollout` now would only repeat its last reconcile: that ended waiting for a
   * time still ahead (and only for a time: not for readiness, the data plane or a person), nothing it reads has been written since (the rollout, its service, segments,
   * flags), and it was less than `pollMs` ago. Anything else about it (the data plane serving what
   * the store says) is checked at least every `pollMs`, as when every pass reconciled every rollout.
   */
  #unchangedSince(rollout: Rollout, inputs: { services: ReadonlyMap<string, number>; references: string }, now: number, pollMs: number): boolean {
    const seen = this.#seen.get(rollout.name);
    const outcome = this.#outcomes.get(rollout.name);
    if (seen === undefined || outcome?.kind !== 'waiting' || outcome.timed !== true || outcome.until === undefined || outcome.until <= now) return false;
    if (this.#errors.has(`rollout/${rollout.name}`)) return false;
    return seen.version === rollout.version && seen.service === inputs.services.get(rollout.spec.service) && seen.references === inputs.references && now - seen.at < pollMs;
  }

  /**
   * Rollouts grouped by service (a service's rollouts are reconciled one after another, in the
   * store's order), groups ordered by when they last asked to be woken: never reconciled and waiting
   * on an outside event first, then the earliest wake-up time.
   */
  #byService(rollouts: readonly Rollout[]): Rollout[][] {
    const groups = new Map<string, { rollouts: Rollout[]; due: number }>();
    for (const r of rollouts) {
      const outcome = this.#outcomes.get(r.name);
      const due = outcome?.kind === 'waiting' && outcome.until !== undefined ? outcome.until : -Infinity;
      const group = groups.get(r.spec.service);
      if (group === undefined) groups.set(r.spec.service, { rollouts: [r], due });
      else {
        group.rollouts.push(r);
        group.due = Math.min(group.due, due);
      }
    }
    return [...groups.values()].sort((a, b) => a.due - b.due).map((g) => g.rollouts);
  }

  async #reconcile(name: string, signal: AbortSignal, pass: Pick<RolloutReconcileDeps, 'commit' | 'segments'>): Promise<ReconcileOutcome> {
    const deps: RolloutReconcileDeps = { ...this.#deps, ...pass, readyBackends: (s: Parameters<typeof readyBackends>[0]) => readyBackends(s, this.#deps.runtime) };
    try {
      const outcome = await reconcileRollout(name, deps, signal);
      this.#clearError(`rollout/${name}`);
      return outcome;
    } catch (error) {
      this.#noteError(`rollout/${name}`, error, 'rollout reconcile failed; retrying every pass');
      return { kind: 'waiting', why: `Retrying after an error: ${describe(error)}` };
    }
  }

  /** The error that keeps a service from converging (a listen address in use, …), if any. */
  serviceProblem(service: string): string | undefined {
    return this.#errors.get(`service/${service}`);
  }

  #noteError(key: string, error: unknown, message: string): void {
    const text = describe(error);
    if (this.#errors.get(key) !== text) this.#deps.log.warn(message, { [key.split('/')[0] ?? 'subject']: key.split('/')[1], error: text });
    this.#errors.set(key, text);
  }

  #clearError(key: string): void {
    if (!this.#errors.delete(key)) return;
    this.#deps.log.info('recovered', { subject: key });
  }

  async #run(firstWakeAt: number | undefined): Promise<void> {
    const pollMs = this.#deps.pollMs ?? 1000;
    let wakeAt = firstWakeAt;
    while (!this.#abort.signal.aborted) {
      const delay = Math.max(0, Math.min(pollMs, (wakeAt ?? Infinity) - this.#deps.clock.now()));
      if (!this.#kicked) await new Promise<void>((resolve) => this.#sleep(resolve, delay));
      this.#kicked = false;
      if (this.#abort.signal.aborted) return;
      try {
        wakeAt = await this.reconcileOnce();
      } catch (error) {
        this.#deps.log.error('controller pass failed', { error: describe(error) });
      }
    }
  }

  #sleep(resolve: () => void, delay: number): void {
    const timer = setTimeout(done, delay);
    const wake = this;
    function done(): void {
      clearTimeout(timer);
      wake.#wake = undefined;
      resolve();
    }
    this.#wake = done;
  }
}

/** What a rollout's reconcile started from: its stored version, its service's, the segments' and flags', and when. */
interface Seen {
  readonly version: number;
  readonly service: number | undefined;
  readonly references: string;
  readonly at: number;
}

/** Names and versions of every segment and flag: any write to one changes it (rollout splits read them). */
async function referenceVersions(store: Store): Promise<string> {
  const [segments, flags] = await Promise.all([store.segments.list(), store.flags.list()]);
  return `${segments.map((s) => `${s.name}:${s.version}`).join(',')}|${flags.map((f) => `${f.name}:${f.version}`).join(',')}`;
}

/** The runtime's workloads by service. */
function byService(workloads: readonly WorkloadStatus[]): Map<string, WorkloadStatus[]> {
  const out = new Map<string, WorkloadStatus[]>();
  for (const w of workloads) {
    const list = out.get(w.service);
    if (list === undefined) out.set(w.service, [w]);
    else list.push(w);
  }
  return out;
}

/** Runs `work` on every item, at most `limit` at a time, in order of the items. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
