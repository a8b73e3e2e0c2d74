import { EventType, type EventDraft } from '../events/release-event.js';
import type { Service, ServiceStatus } from './service.js';

/**
 * Which versions of a service run. Every declared version Sluice runs keeps running, except one a
 * blue-green rollout left warm (blue after green became stable): it keeps running for its scale-down
 * delay, so `sluice undo` switches back at once, and is then retired (idle) unless something uses it
 * again. An idle version that a rollout targets, or that becomes stable, is started again. Pure: the
 * controller stores the status and its events, then retires or starts instances to match.
 */

export interface PromotionScaleDown {
  readonly now: number;
  /** Keep the old stable version running this long (a blue-green rollout's scaleDownDelay); absent: it keeps running. */
  readonly keepWarmMs?: number;
}

function without(map: Readonly<Record<string, number>> | undefined, version: string): Record<string, number> {
  const copy = { ...map };
  delete copy[version];
  return copy;
}

function withMaps(base: Omit<ServiceStatus, 'warmUntil' | 'idle'>, warm: Record<string, number>, idle: Record<string, number>): ServiceStatus {
  return {
    ...base,
    ...(Object.keys(warm).length === 0 ? {} : { warmUntil: warm }),
    ...(Object.keys(idle).length === 0 ? {} : { idle }),
  };
}

/**
 * The status once a rollout made `target` stable (a new revision): the target is neither warm nor idle,
 * and with `keepWarmMs` the old stable version (when Sluice runs it) is warm until now + keepWarmMs.
 */
export function promotedStatus(service: Service, target: string, scaleDown: PromotionScaleDown): ServiceStatus {
  const { warmUntil: _warm, idle: _idle, ...rest } = service.status;
  const old = rest.stable;
  const warm = without(service.status.warmUntil, target);
  const idle = without(service.status.idle, target);
  if (scaleDown.keepWarmMs !== undefined && old !== target && service.spec.versions[old]?.kind === 'run') {
    warm[old] = scaleDown.now + scaleDown.keepWarmMs;
    delete idle[old];
  }
  return withMaps({ ...rest, stable: target, revision: rest.revision + 1 }, warm, idle);
}

/** True when the controller should not run `version` now: it is idle. */
export function isIdle(service: Service, version: string): boolean {
  return service.status.idle?.[version] !== undefined;
}

/** The new status and its events, when the scale-down state changes. */
export interface ScaleDownChange {
  readonly status: ServiceStatus;
  readonly events: readonly EventDraft[];
}

/**
 * Moves warm versions whose time has come to idle, and wakes idle versions something uses again.
 * `inUse` maps each version an active rollout uses (its target and the stable it returns to) to why;
 * the stable version is always in use. Entries for versions no longer run by Sluice are dropped.
 * Undefined when nothing changes.
 */
export function planScaleDown(service: Service, inUse: ReadonlyMap<string, string>, now: number): ScaleDownChange | undefined {
  const { status } = service;
  if (status.warmUntil === undefined && status.idle === undefined) return undefined;
  const used = (version: string) => (version === status.stable ? 'it is the stable version' : inUse.get(version));
  const runs = (version: string) => service.spec.versions[version]?.kind === 'run';
  const warm = { ...status.warmUntil };
  const idle = { ...status.idle };
  const events: EventDraft[] = [];
  for (const [version, until] of Object.entries(warm)) {
    if (!runs(version) || used(version) !== undefined) delete warm[version];
    else if (now >= until) {
      delete warm[version];
      idle[version] = now;
      const reason = `Version ${version} is idle: its warm time for an instant switch back ended, so its instances are retired; a rollout targeting it starts it again`;
      events.push({ type: EventType.WorkloadChanged, from: 'warm', to: 'idle', reason, data: { version, warmUntil: until } });
    }
  }
  for (const version of Object.keys(idle)) {
    const why = used(version);
    if (runs(version) && why === undefined) continue;
    delete idle[version];
    if (why === undefined) continue;
    events.push({ type: EventType.WorkloadChanged, from: 'idle', to: 'running', reason: `Version ${version} starts again: ${why}`, data: { version } });
  }
  const { warmUntil: _warm, idle: _idle, ...rest } = status;
  const next = withMaps(rest, warm, idle);
  return JSON.stringify(next) === JSON.stringify(withMaps(rest, { ...status.warmUntil }, { ...status.idle })) ? undefined : { status: next, events };
}

/** The earliest time a warm version of the service is due to become idle. */
export function nextScaleDown(service: Service): number | undefined {
  const times = Object.values(service.status.warmUntil ?? {});
  return times.length === 0 ? undefined : Math.min(...times);
}
