import { isIdle, rolloutReplicas, type Rollout, type RouteSpec, type Service } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { Runtime, WorkloadStatus } from '../runtime/runtime.js';
import { experimentSplitOf } from '../experiments/experiment-split.js';
import type { ExperimentStore, FlagStore, RolloutStore, SegmentStore } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { loadSegments, rolloutSplit, sameSplit, stableSplit, type SegmentLookup } from './traffic-split.js';
import { settleScaleDown, type ScaleDownDeps } from './scale-down.js';
import { reconcileTargetRoutes } from '../waves/target-traffic.js';
import type { TargetRouting } from '../waves/target-routers.js';

export interface ServiceReconcileDeps extends ScaleDownDeps {
  readonly runtime: Runtime;
  readonly traffic: TrafficRouter;
  readonly rollouts: RolloutStore;
  readonly segments: SegmentStore;
  /** Flags that route conditions name; without it flag conditions match nobody. */
  readonly flagStore?: FlagStore;
  readonly log: Logger;
  /** Workloads being retired ("service/version"), so a pass does not start the same retirement again. */
  readonly retiring: Set<string>;
  /** Running experiments of versions own their service's split; none when absent. */
  readonly experiments?: ExperimentStore;
  /** The Targets' data planes: each target serving the service gets its route on its own listener. */
  readonly targets?: TargetRouting | undefined;
  /**
   * The controller's pass-wide snapshot: the runtime's workloads (runtime.list()) and the segments as
   * stored, taken once at the start of a pass instead of once per service. Absent, read here.
   */
  readonly pass?: { readonly workloads: ReadonlyMap<string, readonly WorkloadStatus[]>; readonly segments: SegmentLookup } | undefined;
}

/** Ready endpoints per version: instances the runtime reports ready, or the fixed upstream URLs. */
export function readyBackends(service: Service, runtime: Runtime): Record<string, readonly string[]> {
  const backends: Record<string, readonly string[]> = {};
  for (const [version, source] of Object.entries(service.spec.versions)) {
    backends[version] =
      source.kind === 'upstreams'
        ? source.upstreams
        : (runtime.status({ service: service.name, version })?.readyEndpoints ?? []);
  }
  return backends;
}

/**
 * Stops a version no longer declared (or idle) without waiting for it: draining may take the whole
 * grace period, and the controller must keep serving aborts and other rollouts meanwhile.
 */
function retireInBackground(key: { service: string; version: string }, deps: ServiceReconcileDeps): void {
  const id = `${key.service}/${key.version}`;
  if (deps.retiring.has(id)) return;
  deps.retiring.add(id);
  deps.runtime
    .retire({ service: key.service, version: key.version })
    .catch((error: unknown) => deps.log.warn('retiring a version failed', { workload: id, error: String(error) }))
    .finally(() => deps.retiring.delete(id));
}

/**
 * Every `run` version is running except idle ones (a blue-green rollout's blue after its
 * scaleDownDelay); versions no longer declared, and idle ones, are retired. A rolling rollout owns its
 * versions' replica counts while it runs (`status.scale`): the runtime gets those instead of the spec's.
 */
async function ensureWorkloads(service: Service, active: Rollout | undefined, deps: ServiceReconcileDeps, signal?: AbortSignal): Promise<void> {
  for (const [version, source] of Object.entries(service.spec.versions)) {
    if (source.kind !== 'run' || isIdle(service, version)) continue;
    // A version woken while its retirement still drains is started once that is done (a later pass).
    if (deps.retiring.has(`${service.name}/${version}`)) continue;
    const replicas = active === undefined ? undefined : rolloutReplicas(active, version);
    const run = replicas === undefined ? source.run : { ...source.run, replicas };
    await deps.runtime.ensure({ service: service.name, version, run }, signal);
  }
  // The pass's snapshot may name a workload retired since: only one the runtime still has is retired.
  const workloads = deps.pass === undefined ? deps.runtime.list() : (deps.pass.workloads.get(service.name) ?? []).filter((w) => deps.runtime.status(w) !== undefined);
  for (const workload of workloads) {
    const declared = service.spec.versions[workload.version];
    if (workload.service === service.name && (declared?.kind !== 'run' || isIdle(service, workload.version))) retireInBackground(workload, deps);
  }
}

/**
 * Converges the platform to one service's spec: scale-down recorded (settleScaleDown), every `run`
 * version running unless idle, versions no longer declared retired, and the data plane's route with
 * the current listener and backends. Idempotent; a new route starts on the split the store says (so a
 * restart resumes traffic as it was). With no active rollout it also keeps the split in step with the
 * service's static routes and the segments they name (with a rollout, reconcileRollout does that).
 * Answers the backends the route was published with.
 */
export async function reconcileService(stored: Service, deps: ServiceReconcileDeps, signal?: AbortSignal): Promise<RouteSpec['backends']> {
  const [active] = await deps.rollouts.list({ service: stored.name, activeOnly: true });
  const service = await settleScaleDown(stored, active, deps);
  await ensureWorkloads(service, active, deps, signal);
  const { listen, hosts, stickiness, proxy } = service.spec;
  const route: RouteSpec = {
    service: service.name,
    listen,
    stickiness,
    backends: readyBackends(service, deps.runtime),
    // Set only when declared, so a service without them keeps exactly the route it had.
    ...(hosts === undefined ? {} : { hosts }),
    ...(proxy === undefined ? {} : { proxy }),
  };
  const segments = deps.pass?.segments ?? (await loadSegments(deps.segments, deps.flagStore));
  // Without a rollout, a running experiment of two versions owns the split (apply keeps the two apart).
  const experiment = active ? undefined : await experimentSplitOf(deps.experiments, service, segments, route.backends);
  const want = active ? rolloutSplit(active, service, segments) : (experiment ?? stableSplit(service, segments));
  await deps.traffic.upsertRoute(route, want, signal);
  if (!active && !sameSplit(await deps.traffic.observeSplit(service.name, signal), want)) await deps.traffic.setSplit(service.name, want, signal);
  if (deps.targets !== undefined) await reconcileTargetRoutes({ service, route, active, segments, signal }, deps.targets);
  return route.backends;
}
