import type { RevisionView } from '@sluice/cli/api-types';
import type { ReleaseEvent } from '@sluice/domain';
import type { ApiClient } from '../api/client';
import type { RolloutView, ServiceState } from '../releases/release-model';

export type { RevisionView };

/** Everything the service history shows, loaded together so it is consistent. */
export interface ServiceHistory {
  readonly service: ServiceState;
  /** Newest first. */
  readonly revisions: readonly RevisionView[];
  /** The service's rollouts, newest first. */
  readonly rollouts: readonly RolloutView[];
  /** The service's latest events, newest first. */
  readonly events: readonly ReleaseEvent[];
}

/** How many of the service's latest events the page lists (the audit log has them all). */
export const RECENT_EVENTS = 12;

export async function loadServiceHistory(api: ApiClient, name: string): Promise<ServiceHistory> {
  const [service, revisions, rollouts, history] = await Promise.all([api.getService(name), api.serviceRevisions(name), api.listRollouts(name), api.serviceHistory(name)]);
  return {
    service,
    revisions: [...revisions].sort((a, b) => b.number - a.number),
    rollouts: [...rollouts].sort((a, b) => b.status.createdAt - a.status.createdAt),
    events: history.slice(-RECENT_EVENTS).reverse(),
  };
}

/** POST /services/{name}/undo: the version of `toRevision` becomes stable again. */
export function undoTo(api: ApiClient, name: string, toRevision: number): Promise<ServiceState> {
  return api.undo(name, toRevision);
}

/** How the revision came about, in words: "promoted by rollout shop-v2", "undo to revision 1". */
export function outcomeText(revision: RevisionView): string {
  switch (revision.outcome) {
    case 'created':
      return 'service created';
    case 'promoted':
      if (revision.rollout !== undefined) return `promoted by rollout ${revision.rollout}`;
      return revision.experiment === undefined ? 'promoted' : `promoted by experiment ${revision.experiment}`;
    case 'applied':
      return 'stable version set by apply';
    case 'undone-to':
      return revision.undoneTo === undefined ? 'undo' : `undo to revision ${revision.undoneTo}`;
  }
}

/**
 * The rollouts that ran while `revision` was current and did not promote a revision (aborted, failed,
 * or still in progress): the attempts from this revision that did not make the next one.
 */
export function attemptsDuring(revision: RevisionView, all: ServiceHistory): readonly RolloutView[] {
  const promoted = new Set(all.revisions.map((r) => r.rollout).filter((r) => r !== undefined));
  const end = revision.supersededAt ?? Number.POSITIVE_INFINITY;
  return all.rollouts.filter((r) => !promoted.has(r.name) && r.status.createdAt >= revision.createdAt && r.status.createdAt < end);
}

/** Why Undo to `revision` is not offered now, or undefined when it is. */
export function undoBlocked(revision: RevisionView, service: ServiceState): string | undefined {
  if (revision.current) return 'This is the current revision';
  if (!revision.undoable) return revision.reason ?? 'Undo cannot return to this revision';
  if (service.activeRollout !== undefined) return `Rollout ${service.activeRollout} is in progress: undo is refused until it ends (abort it or let it finish)`;
  return undefined;
}
