import { ErrorCode, Phase, SluiceError, type Rollout, type RouteSpec, type Service, type TrafficSplit } from '@sluice/domain';
import { rolloutSplit, sameSplit, stableSplit, type SegmentLookup } from '../orchestrator/traffic-split.js';
import type { TargetRouting } from './target-routers.js';

/**
 * The rollout as one target should serve it. A waves rollout sends each target its own weight
 * (`status.targets`), and 100 % everywhere while promoting; a target no wave selected stays on stable
 * until then. Any other strategy moves every target together with the service's own listener.
 */
export function targetView(rollout: Rollout, target: string): Rollout {
  if (rollout.spec.strategy.kind !== 'waves') return rollout;
  const weight = rollout.status.phase === Phase.Promoting ? 100 : (rollout.status.targets?.[target]?.weight ?? 0);
  return { ...rollout, status: { ...rollout.status, canaryWeight: weight } };
}

/** The split `target` should serve for `service`: its view of the active rollout, else the stable version and static routes. */
export function targetSplit(active: Rollout | undefined, service: Service, target: string, segments: SegmentLookup): TrafficSplit {
  return active === undefined ? stableSplit(service, segments) : rolloutSplit(targetView(active, target), service, segments);
}

function targetError(target: string, error: unknown): SluiceError {
  const message = error instanceof Error ? error.message : String(error);
  return new SluiceError(ErrorCode.ADAPTER_FAILED, `Target ${target}: ${message}`, { cause: error, details: { target } });
}

export interface TargetRoutesInput {
  readonly service: Service;
  /** The service's route (backends, hosts, proxy settings); each target serves it on its own listen address. */
  readonly route: RouteSpec;
  readonly active: Rollout | undefined;
  readonly segments: SegmentLookup;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Every Target serving the service gets the service's route on its own listener (a target that no
 * longer lists the service drops it). Without an active rollout the split is kept on stable here; with
 * one, reconcileRollout moves each target's traffic. Every target is tried; the first failure (a listen
 * address in use, …) is then thrown, naming its target.
 */
export async function reconcileTargetRoutes(input: TargetRoutesInput, targets: TargetRouting): Promise<void> {
  const { service, route, active, segments, signal } = input;
  const failures: SluiceError[] = [];
  for (const target of await targets.store.list()) {
    const binding = target.spec.dataPlane.services[service.name];
    try {
      if (binding === undefined) {
        await targets.routers.existing(target.name)?.removeRoute(service.name, signal);
        continue;
      }
      const router = targets.routers.router(target.name);
      const want = targetSplit(active, service, target.name, segments);
      await router.upsertRoute({ ...route, listen: binding.listen }, want, signal);
      if (active === undefined && !sameSplit(await router.observeSplit(service.name, signal), want)) await router.setSplit(service.name, want, signal);
    } catch (error) {
      failures.push(targetError(target.name, error));
    }
  }
  if (failures[0] !== undefined) throw failures[0];
}

/**
 * Moves each target's traffic to what the stored rollout says (idempotent: only on a difference).
 * While rolling back, the targets in the rollback plan are left to it (each is returned and verified as
 * a recorded operation). Returns why the rollout must wait: while promoting, until every target serves
 * 100 % on the new version.
 */
export async function syncTargetTraffic(rollout: Rollout, service: Service, segments: SegmentLookup, targets: TargetRouting, signal: AbortSignal): Promise<string | undefined> {
  const planned = new Set((rollout.status.rollbackPlan?.ops ?? []).flatMap((o) => (o.target === undefined ? [] : [o.target])));
  for (const target of await targets.store.list()) {
    if (target.spec.dataPlane.services[service.name] === undefined) continue;
    if (rollout.status.phase === Phase.Aborting && planned.has(target.name)) continue;
    const router = targets.routers.existing(target.name);
    const want = targetSplit(rollout, service, target.name, segments);
    const served = router === undefined ? false : await serve(router, service.name, want, signal);
    if (!served && rollout.status.phase === Phase.Promoting) return `Waiting for target ${target.name} to serve 100% on ${rollout.spec.target}`;
  }
  return undefined;
}

async function serve(router: NonNullable<ReturnType<TargetRouting['routers']['existing']>>, service: string, want: TrafficSplit, signal: AbortSignal): Promise<boolean> {
  try {
    if (sameSplit(await router.observeSplit(service, signal), want)) return true;
    await router.setSplit(service, want, signal);
    return sameSplit(await router.observeSplit(service, signal), want);
  } catch {
    // No route yet (the service reconcile creates it on the next pass, with this split).
    return false;
  }
}
