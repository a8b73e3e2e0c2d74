import { ErrorCode, isSluiceError, planScaleDown, type Clock, type Rollout, type Service } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import { stampEvents } from './commit.js';

export interface ScaleDownDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
}

/** The versions a service's active rollout uses, and why: its target, and the stable version it returns to. */
export function versionsInUse(active: Rollout | undefined): Map<string, string> {
  const inUse = new Map<string, string>();
  if (active === undefined) return inUse;
  inUse.set(active.status.stable, `rollout ${active.name} returns to it on abort`);
  inUse.set(active.spec.target, `rollout ${active.name} targets it`);
  return inUse;
}

/**
 * Records what changes in which versions run (see domain scale-down.ts): a warm version whose time has
 * come becomes idle, an idle version something uses again is woken. The status and its events are
 * written in one transaction, before any instance is retired or started, so the store says it first.
 * Returns the service as stored; on a conflict with another writer, the service as read (the next
 * pass decides again).
 */
export async function settleScaleDown(service: Service, active: Rollout | undefined, deps: ScaleDownDeps): Promise<Service> {
  const now = deps.clock.now();
  const change = planScaleDown(service, versionsInUse(active), now);
  if (change === undefined) return service;
  const next: Service = { ...service, status: change.status };
  const subject = { kind: 'Service' as const, name: service.name, service: service.name };
  try {
    return await deps.store.transaction(async (tx) => {
      const saved = await tx.services.save(next, service.version);
      if (change.events.length > 0) await tx.events.append(stampEvents(change.events, subject, { actor: 'controller', at: now }));
      return saved;
    });
  } catch (error) {
    if (!(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
    deps.log.info('service changed while settling its scale-down; deciding again on the next pass', { service: service.name });
    return service;
  }
}
