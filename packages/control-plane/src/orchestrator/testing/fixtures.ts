import {
  createRollout,
  DEFAULT_GRACE_PERIOD_MS,
  DEFAULT_READINESS,
  EventType,
  ManualClock,
  type Rollout,
  type Service,
  type Step,
} from '@sluice/domain';
import { silentLogger } from '../../platform/logger.js';
import { MemoryRuntime } from '../../runtime/in-memory/memory-runtime.js';
import { MemoryStore } from '../../store/memory/memory-store.js';
import type { Store } from '../../store/store.js';
import { MemoryRouter } from '../../traffic/in-memory/memory-router.js';
import { Controller } from '../controller.js';
import { StepExecutorRegistry } from '../step-executor.js';
import { pauseExecutor } from '../step-executors/pause-executor.js';
import { setHeaderRouteExecutor } from '../step-executors/set-header-route-executor.js';
import { setMirrorExecutor } from '../step-executors/set-mirror-executor.js';
import { setSegmentRouteExecutor } from '../step-executors/set-segment-route-executor.js';
import { setWeightExecutor } from '../step-executors/set-weight-executor.js';
import { rollingBatchesExecutor } from '../step-executors/rolling-batches-executor.js';
import { pointOfNoReturnExecutor } from '../step-executors/point-of-no-return-executor.js';
import { createAnalysisExecutor } from '../step-executors/analysis-executor.js';
import { approvalExecutor } from '../step-executors/approval-executor.js';
import { createChecklistExecutor } from '../step-executors/checklist-executor.js';
import type { AnalysisDeps } from '../../analysis/run-analysis.js';
import type { Guardian } from '../../guard/guardian.js';

export const T0 = Date.UTC(2026, 0, 1);

export function shopService(): Service {
  const run = (version: string) => ({
    kind: 'run' as const,
    run: { command: 'node demo/app.js', env: { VERSION: version }, replicas: 2, readiness: DEFAULT_READINESS, gracePeriodMs: DEFAULT_GRACE_PERIOD_MS },
  });
  return {
    name: 'shop',
    version: 0,
    spec: { listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'sluice-shop' }, versions: { v1: run('v1'), v2: run('v2') }, stable: 'v1' },
    status: { stable: 'v1', revision: 1 },
  };
}

export const DEMO_STEPS: readonly Step[] = [
  { kind: 'setWeight', weight: 1 },
  { kind: 'pause', durationMs: 30_000 },
  { kind: 'setWeight', weight: 20 },
  { kind: 'pause' },
  { kind: 'setWeight', weight: 100 },
];

export function shopRollout(steps: readonly Step[] = DEMO_STEPS): Rollout {
  return createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps } }, 'v1', T0);
}

/** Seeds a store with the shop service and a rollout, as `apply` would. */
export async function seed(store: Store, rollout: Rollout = shopRollout()): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.services.save(shopService(), 0);
    await tx.rollouts.save(rollout, 0);
    const base = { at: T0, actor: 'test', service: 'shop' };
    await tx.events.append([{ ...base, subject: { kind: 'Rollout', name: rollout.name }, type: EventType.RolloutCreated, reason: 'created' }]);
  });
}

export interface Harness {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly router: MemoryRouter;
  readonly runtime: MemoryRuntime;
  readonly controller: Controller;
}

/** A controller over in-memory adapters. `store` may be shared to simulate a restart. */
export function harness(options: { store?: Store; clock?: ManualClock; manualReadiness?: boolean; router?: MemoryRouter; analysis?: AnalysisDeps; guardian?: Guardian } = {}): Harness {
  const store = options.store ?? new MemoryStore();
  const clock = options.clock ?? new ManualClock(T0);
  const router = options.router ?? new MemoryRouter();
  const runtime = new MemoryRuntime({ manualReadiness: options.manualReadiness ?? false });
  const executors = new StepExecutorRegistry()
    .register(setWeightExecutor)
    .register(rollingBatchesExecutor)
    .register(pauseExecutor)
    .register(setHeaderRouteExecutor)
    .register(setSegmentRouteExecutor)
    .register(setMirrorExecutor)
    .register(pointOfNoReturnExecutor);
  const { analysis } = options;
  if (analysis !== undefined) {
    executors.register(createAnalysisExecutor(analysis)).register(approvalExecutor).register(createChecklistExecutor({ providers: analysis.providers }));
  }
  const controller = new Controller({ store, traffic: router, runtime, executors, clock, log: silentLogger, analysis, guardian: options.guardian });
  return { store, clock, router, runtime, controller };
}

/** Runs passes until the rollout stops changing (or `max` passes). */
export async function settle(h: Harness, max = 20): Promise<void> {
  let last = '';
  for (let i = 0; i < max; i++) {
    await h.controller.reconcileOnce();
    const r = await h.store.rollouts.get('shop-v2');
    const now = JSON.stringify(r?.status);
    if (now === last) return;
    last = now;
  }
}
