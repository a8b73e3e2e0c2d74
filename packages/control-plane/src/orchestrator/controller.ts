import type { Clock, Rollout } from '@sluice/domain';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import type { Guardian } from '../guard/guardian.js';
import type { Logger } from '../platform/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { FlagRestorer } from './rollback.js';
import type { SchemaMigrator } from '../migrations/schema-migrator.js';
import type { Store } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { reconcileRollout, type ReconcileOutcome } from './reconcile-rollout.js';
import { readyBackends, reconcileService } from './reconcile-service.js';
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

  /** One pass over everything. Returns the earliest time a waiting rollout asked to be woken. */
  async reconcileOnce(): Promise<number | undefined> {
    const { store, log } = this.#deps;
    const signal = this.#abort.signal;
    for (const service of await store.services.list()) {
      try {
        await reconcileService(service, { ...this.#deps, rollouts: store.rollouts, segments: store.segments, flagStore: store.flags, experiments: store.experiments, retiring: this.#retiring }, signal);
        this.#clearError(`service/${service.name}`);
      } catch (error) {
        this.#noteError(`service/${service.name}`, error, 'service reconcile failed; retrying every pass');
      }
    }
    let wakeAt: number | undefined;
    for (const rollout of await store.rollouts.list({ activeOnly: true })) {
      const outcome = await this.#reconcile(rollout.name, signal);
      this.#outcomes.set(rollout.name, outcome);
      if (outcome.kind === 'waiting' && outcome.until !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, outcome.until);
    }
    if (this.#deps.afterPass !== undefined) this.#deps.afterPass(await store.rollouts.list({ activeOnly: true }));
    return wakeAt;
  }

  async #reconcile(name: string, signal: AbortSignal): Promise<ReconcileOutcome> {
    const deps = { ...this.#deps, readyBackends: (s: Parameters<typeof readyBackends>[0]) => readyBackends(s, this.#deps.runtime) };
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
