import type { RouteSpec, Service } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { RolloutStore, SegmentStore } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { loadSegments, rolloutSplit, sameSplit, stableSplit } from './traffic-split.js';

export interface ServiceReconcileDeps {
  readonly runtime: Runtime;
  readonly traffic: TrafficRouter;
  readonly rollouts: RolloutStore;
  readonly segments: SegmentStore;
  readonly log: Logger;
  /** Workloads being retired ("service/version"), so a pass does not start the same retirement again. */
  readonly retiring: Set<string>;
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
 * Stops a version no longer declared without waiting for it: draining may take the whole grace
 * period, and the controller must keep serving aborts and other rollouts meanwhile.
 */
function retireInBackground(key: { service: string; version: string }, deps: ServiceReconcileDeps): void {
  const id = `${key.service}/${key.version}`;
  if (deps.retiring.has(id)) return;
  deps.retiring.add(id);
  deps.runtime
    .retire({ service: key.service, version: key.version })
    .catch((error: unknown) => deps.log.warn('retiring a removed version failed', { workload: id, error: String(error) }))
    .finally(() => deps.retiring.delete(id));
}

/**
 * Converges the platform to one service's spec: every `run` version is running, versions no
 * longer declared are retired, and the data plane's route has the current listener and backends.
 * Idempotent; a new route starts on the split the store says (so a restart resumes traffic as it was).
 * With no active rollout it also keeps the split in step with the service's static routes and the
 * segments they name (with a rollout, reconcileRollout does that).
 */
export async function reconcileService(service: Service, deps: ServiceReconcileDeps, signal?: AbortSignal) {
  for (const [version, source] of Object.entries(service.spec.versions)) {
    if (source.kind === 'run') await deps.runtime.ensure({ service: service.name, version, run: source.run }, signal);
  }
  for (const workload of deps.runtime.list()) {
    const declared = service.spec.versions[workload.version];
    if (workload.service === service.name && declared?.kind !== 'run') retireInBackground(workload, deps);
  }
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
  const [active] = await deps.rollouts.list({ service: service.name, activeOnly: true });
  const segments = await loadSegments(deps.segments);
  const want = active ? rolloutSplit(active, service, segments) : stableSplit(service, segments);
  await deps.traffic.upsertRoute(route, want, signal);
  if (active) return;
  if (!sameSplit(await deps.traffic.observeSplit(service.name, signal), want)) await deps.traffic.setSplit(service.name, want, signal);
}
