import {
  ErrorCode,
  EventType,
  formatDuration,
  isSluiceError,
  isVersionExperiment,
  revisionOf,
  rollbackWindowOf,
  SluiceError,
  type Revision,
  type Rollout,
  type Service,
} from '@sluice/domain';
import { auditChange, withChange } from '../events/audit-change.js';
import { stampEvents } from '../orchestrator/commit.js';
import type { StoreTransaction } from '../store/store.js';
import type { CommandContext } from './rollout-commands.js';

export interface UndoContext extends CommandContext {
  /**
   * Ready endpoints per version (the runtime's view): undo refuses a version nothing could serve.
   * Unchecked when absent.
   */
  readonly readyBackends?: ((service: Service) => Readonly<Record<string, readonly string[]>>) | undefined;
}

/** A revision as `history` and the API show it: whether it is current, and whether undo may return to it. */
export interface RevisionState {
  readonly revision: Revision;
  /** Its number is the service's `status.revision`. */
  readonly current: boolean;
  /** When it stopped being current: when the next revision was recorded. Absent for the current one. */
  readonly supersededAt?: number;
  /** Why `undo` cannot return to it; absent when it can. */
  readonly unavailable?: string;
}

/**
 * Each revision of a service with what `undo` may do with it now: the current one, one serving the
 * current stable version, one whose version is no longer declared, or one that stopped being current
 * longer ago than the service's rollback window cannot be returned to.
 */
export function revisionStates(service: Service, revisions: readonly Revision[], now: number): RevisionState[] {
  const windowMs = rollbackWindowOf(service.spec);
  return revisions.map((revision, i) => {
    const current = revision.number === service.status.revision;
    const next = revisions[i + 1];
    const supersededAt = current ? undefined : (next?.createdAt ?? revision.createdAt);
    const unavailable = unavailableReason(service, revision, { current, supersededAt, windowMs, now });
    return {
      revision,
      current,
      ...(supersededAt === undefined ? {} : { supersededAt }),
      ...(unavailable === undefined ? {} : { unavailable }),
    };
  });
}

interface Standing {
  readonly current: boolean;
  readonly supersededAt: number | undefined;
  readonly windowMs: number;
  readonly now: number;
}

function unavailableReason(service: Service, revision: Revision, standing: Standing): string | undefined {
  const { current, supersededAt, windowMs, now } = standing;
  if (current) return 'it is the current revision';
  if (revision.stable === service.status.stable) {
    return `it serves ${revision.stable}, which is already the stable version (revision ${service.status.revision})`;
  }
  if (service.spec.versions[revision.stable] === undefined) {
    const declared = Object.keys(service.spec.versions).join(', ');
    return `its version ${revision.stable} is no longer declared in the service's spec.versions (declared: ${declared})`;
  }
  const idleSince = service.status.idle?.[revision.stable];
  if (idleSince !== undefined) {
    const since = new Date(idleSince).toISOString();
    return `its version ${revision.stable} is idle since ${since} (retired after a blue-green rollout's scaleDownDelay); apply a rollout targeting ${revision.stable}, which starts it again`;
  }
  const age = now - (supersededAt ?? revision.createdAt);
  if (age > windowMs) {
    const since = new Date(supersededAt ?? revision.createdAt).toISOString();
    return `it stopped being current ${formatDuration(age)} ago (${since}), beyond the rollback window of ${formatDuration(windowMs)} (spec.rollbackWindow)`;
  }
  return undefined;
}

const ATTEMPTS = 5;

/**
 * `undo`: makes an earlier revision's version the stable version again, at once and without
 * analysis: the controller serves it to 100 % of users in one data-plane update. Records a new
 * revision (outcome "undone-to") and a StableChanged event in the same transaction. The default
 * target is the revision before the current one. Refused (CONFLICT) while a rollout of the service
 * is active, and for a revision `revisionStates` marks unavailable. Retried when another writer
 * changed the service in between.
 */
export async function undoService(ctx: UndoContext, name: string, toRevision?: number): Promise<Service> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.store.transaction((tx) => undoInTransaction(tx, ctx, name, toRevision));
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
    }
  }
}

async function undoInTransaction(tx: StoreTransaction, ctx: UndoContext, name: string, toRevision: number | undefined): Promise<Service> {
  const service = await tx.services.get(name);
  if (!service) throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `Service "${name}" does not exist`, { details: { service: name } });
  const [active] = await tx.rollouts.list({ service: name, activeOnly: true });
  if (active) throw activeRolloutConflict(service, active);
  const [experiment] = (await tx.experiments.list({ service: name, runningOnly: true })).filter((e) => isVersionExperiment(e.spec));
  if (experiment) throw new SluiceError(ErrorCode.CONFLICT, `Cannot undo service "${name}" while experiment "${experiment.name}" runs on its versions: stop it (sluice experiment stop ${experiment.name}) or promote it, then undo`, { details: { service: name, experiment: experiment.name } });
  const now = ctx.clock.now();
  const states = revisionStates(service, await tx.revisions.list(name), now);
  const target = pickTarget(service, states, toRevision);
  const to = target.revision;
  if (target.unavailable !== undefined) throw undoConflict(service, to, `${target.unavailable}; choose another revision (sluice history ${name})`);
  const unready = notReady(ctx, service, to.stable);
  if (unready !== undefined) throw undoConflict(service, to, unready);
  const next: Service = { ...service, status: { ...service.status, stable: to.stable, revision: service.status.revision + 1 } };
  const saved = await tx.services.save(next, service.version);
  await tx.revisions.append(revisionOf(next, { at: now, actor: ctx.actor, outcome: 'undone-to', undoneTo: to.number }));
  const reason = `undo to revision ${to.number} by ${ctx.actor}`;
  const change = auditChange({ stable: service.status.stable, revision: service.status.revision }, { stable: to.stable, revision: next.status.revision });
  const data = withChange({ revision: next.status.revision, undoneTo: to.number }, change);
  const event = { type: EventType.StableChanged, from: service.status.stable, to: to.stable, reason, data };
  await tx.events.append(stampEvents([event], { kind: 'Service', name, service: name }, { actor: ctx.actor, at: now, source: ctx.source }));
  return saved;
}

/** The revision asked for, or the one before the current revision. */
function pickTarget(service: Service, states: readonly RevisionState[], toRevision: number | undefined): RevisionState {
  const numbers = states.map((s) => s.revision.number);
  if (toRevision !== undefined) {
    const found = states.find((s) => s.revision.number === toRevision);
    if (found) return found;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `Service "${service.name}" has no revision ${toRevision}: expected ${describeNumbers(numbers)} (sluice history ${service.name} lists them)`, {
      details: { service: service.name, toRevision, revisions: numbers },
      problems: [{ path: 'toRevision', message: 'no such revision', found: String(toRevision), expected: describeNumbers(numbers) }],
    });
  }
  const previous = states.filter((s) => s.revision.number < service.status.revision).at(-1);
  if (previous) return previous;
  throw new SluiceError(
    ErrorCode.CONFLICT,
    `Service "${service.name}" has no revision before its current revision ${service.status.revision} to undo to: a revision is recorded when the service is created and each time its stable version changes (sluice history ${service.name} lists them)`,
    { details: { service: service.name, current: service.status.revision, revisions: numbers } },
  );
}

function describeNumbers(numbers: readonly number[]): string {
  if (numbers.length === 0) return 'a revision number, but the service has no revisions recorded';
  if (numbers.length <= 10) return `one of ${numbers.join(', ')}`;
  return `a revision number from ${numbers[0]} to ${numbers.at(-1)}`;
}

function notReady(ctx: UndoContext, service: Service, version: string): string | undefined {
  if (ctx.readyBackends === undefined) return undefined;
  if ((ctx.readyBackends(service)[version]?.length ?? 0) > 0) return undefined;
  return `version ${version} has no ready instance, so nothing could serve it; wait until it is ready (sluice get services) and undo again`;
}

function undoConflict(service: Service, revision: Revision, reason: string): SluiceError {
  return new SluiceError(ErrorCode.CONFLICT, `Cannot undo service "${service.name}" to revision ${revision.number}: ${reason}`, {
    details: { service: service.name, toRevision: revision.number, version: revision.stable, current: service.status.revision },
  });
}

function activeRolloutConflict(service: Service, rollout: Rollout): SluiceError {
  return new SluiceError(
    ErrorCode.CONFLICT,
    `Cannot undo service "${service.name}" while rollout "${rollout.name}" is ${rollout.status.phase}: abort it (sluice abort ${rollout.name}) or let it finish, then undo`,
    { details: { service: service.name, rollout: rollout.name, phase: rollout.status.phase } },
  );
}
