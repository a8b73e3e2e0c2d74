import type { Clock } from '@sluice/domain';
import type { Controller } from './orchestrator/controller.js';
import { Controller as ControllerImpl } from './orchestrator/controller.js';
import type { ReconcileOutcome } from './orchestrator/reconcile-rollout.js';
import type { ControllerView } from './orchestrator/controller-view.js';
import type { StepExecutorRegistry } from './orchestrator/step-executor.js';
import type { AnalysisDeps } from './analysis/run-analysis.js';
import type { Guardian } from './guard/guardian.js';
import type { FlagHub } from './flags/flag-hub.js';
import { createSetFlagExecutor, flagRestorer } from './flags/flag-rollout.js';
import type { SchemaMigrator } from './migrations/schema-migrator.js';
import { createMigrationExpandExecutor } from './migrations/expand-executor.js';
import { createMigrationContractExecutor } from './migrations/contract-executor.js';
import { MetricHistory } from './metrics/metric-history.js';
import type { TrafficWindows } from './metrics/traffic-windows.js';
import { WebhookDispatcher } from './notifications/webhook-dispatcher.js';
import type { WebhookSender } from './notifications/webhook-sender.js';
import type { Logger } from './platform/logger.js';
import type { Runtime } from './runtime/runtime.js';
import type { Store } from './store/store.js';
import type { TrafficRouter } from './traffic/traffic-router.js';
import type { TargetRouting } from './waves/target-routers.js';
import { createWaveExecutor } from './waves/wave-executor.js';
import type { Rollout } from '@sluice/domain';


/**
 * The controller of the current term, for the API: on the leader it is the running controller; on a
 * follower there is none (a command's write reaches the leader through the store at its next pass).
 */
export class ControllerSlot implements ControllerView {
  #current: Controller | undefined;
  #writer: Store | undefined;

  /** The term's controller and the store it writes through (fenced under --ha); undefined when the term ends. */
  set(term: { controller: Controller; store: Store } | undefined): void {
    this.#current = term?.controller;
    this.#writer = term?.store;
  }

  /** The store the leader writes through; undefined on a follower. */
  writer(): Store | undefined {
    return this.#writer;
  }

  kick(): void {
    this.#current?.kick();
  }

  outcome(rollout: string): ReconcileOutcome | undefined {
    return this.#current?.outcome(rollout);
  }

  serviceProblem(service: string): string | undefined {
    return this.#current?.serviceProblem(service);
  }
}

/** Everything the leader's work is made of except the store it writes through. */
export interface LeaderWorkParts {
  readonly traffic: TrafficRouter;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly log: Logger;
  /** The standard executors (traffic, verification); the store-writing ones are added per term. */
  readonly baseExecutors: () => StepExecutorRegistry;
  readonly analysis: AnalysisDeps;
  readonly guardian: Guardian;
  readonly afterPass: (active: readonly Rollout[]) => void;
  readonly targets: TargetRouting;
  readonly hub: FlagHub;
  readonly migrator: SchemaMigrator;
  readonly windows: TrafficWindows;
  readonly webhookSender: WebhookSender;
  readonly pollMs?: number | undefined;
}

export interface LeaderWork {
  readonly controller: Controller;
  readonly dispatcher: WebhookDispatcher;
  stop(): Promise<void>;
}

/**
 * Starts what only one replica may run at a time: the controller, the metric history and the webhook
 * dispatcher, all writing through `store` (fenced by the term's token under --ha). Resolves after the
 * controller's first pass.
 */
export async function startLeaderWork(store: Store, parts: LeaderWorkParts): Promise<LeaderWork> {
  const { traffic, runtime, clock, log, analysis, guardian, afterPass, targets, hub, migrator } = parts;
  const executors = parts
    .baseExecutors()
    .register(createWaveExecutor(targets))
    .register(createSetFlagExecutor({ store, hub }))
    .register(createMigrationExpandExecutor({ migrator, analysis }))
    .register(createMigrationContractExecutor(migrator));
  const controller = new ControllerImpl({ store, traffic, runtime, executors, clock, log, analysis, guardian, afterPass, pollMs: parts.pollMs, targets, flags: flagRestorer({ store, hub }), migrator });
  const unsubscribe = runtime.onChange(() => controller.kick());
  // Route conditions inline flag states: a flag change makes the next pass push the changed tables.
  const unsubscribeFlags = hub.subscribe(() => controller.kick());
  // Per-second samples of the services under rollout, for the release center's charts.
  const history = new MetricHistory({ store, windows: parts.windows, clock, log });
  const dispatcher = new WebhookDispatcher({ store, sender: parts.webhookSender, clock, log });
  const stop = async () => {
    unsubscribe();
    unsubscribeFlags();
    await Promise.allSettled([dispatcher.stop(), history.stop()]);
    await controller.stop();
  };
  try {
    await controller.start();
    history.start();
    await dispatcher.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { controller, dispatcher, stop };
}
