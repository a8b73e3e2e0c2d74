import { ErrorCode, SluiceError, type Rollout, type RolloutChange, type Step, type TrafficSplit } from '@sluice/domain';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import type { SegmentLookup } from './traffic-split.js';

/** What a step executor may look at and act on. */
export interface StepContext {
  readonly rollout: Rollout;
  /** Ready endpoints per version of the rollout's service, as the data plane will get them. */
  readonly readyBackends: Readonly<Record<string, readonly string[]>>;
  /** Instances each `run` version of the service should have (versions with fixed upstreams are absent). */
  readonly desiredReplicas?: Readonly<Record<string, number>>;
  readonly now: number;
  readonly traffic: TrafficRouter;
  readonly signal: AbortSignal;
  /** The segments as stored at the start of this pass. */
  readonly segments: SegmentLookup;
  /** The full split the data plane should serve for the rollout in a given state (rules and mirror included). */
  readonly wantedSplit: (rollout: Rollout) => TrafficSplit;
}

/** The outcome of one call to `advance`. */
export type StepProgress =
  /** Persist this change, then call again. */
  | { readonly kind: 'change'; readonly change: RolloutChange }
  /** The step is complete; the controller records it and moves to the next step. */
  | { readonly kind: 'done'; readonly why: string }
  /** Nothing to do until `until` (ms since epoch) or an outside event (a command, readiness). */
  | { readonly kind: 'wait'; readonly why: string; readonly until?: number };

/**
 * Runs one kind of step. Called on every reconcile pass until it reports `done`, including again
 * after a crash, so `advance` must be idempotent: decide from the stored status, never from memory.
 */
export interface StepExecutor<S extends Step = Step> {
  readonly kind: S['kind'];
  advance(step: S, ctx: StepContext): Promise<StepProgress>;
}

type AnyExecutor = { [K in Step['kind']]: StepExecutor<Extract<Step, { kind: K }>> }[Step['kind']];

/** Step kind → executor. Later issues register analysis, approval, migration and flag steps here. */
export class StepExecutorRegistry {
  readonly #executors = new Map<string, AnyExecutor>();

  register(executor: AnyExecutor): this {
    this.#executors.set(executor.kind, executor);
    return this;
  }

  kinds(): readonly string[] {
    return [...this.#executors.keys()];
  }

  advance(step: Step, ctx: StepContext): Promise<StepProgress> {
    const executor = this.#executors.get(step.kind);
    if (!executor) {
      throw new SluiceError(ErrorCode.INTERNAL, `No executor registered for step kind "${step.kind}"`);
    }
    return (executor as StepExecutor).advance(step, ctx);
  }
}
