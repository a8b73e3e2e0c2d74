import {
  ErrorCode, EventType, experimentData, experimentReport, isActive, isSluiceError, revisionOf, SluiceError, variantVersion, withUnavailableMetrics,
  type Clock, type EventDraft, type Experiment, type ExperimentReport, type Service,
} from '@sluice/domain';
import { auditChange, withChange } from '../events/audit-change.js';
import { stampEvents, type Stamp } from '../orchestrator/commit.js';
import type { StoreTransaction, Store } from '../store/store.js';
import { NO_PROVIDER_STATS, type ProviderStatsReader, type ProviderStatsResult } from './provider-stats.js';

export interface ExperimentCommandContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly actor: string;
  /** The client IP address of the request, recorded with the events. */
  readonly source?: string | undefined;
  /** Ready endpoints per version: promote refuses a version nothing could serve. Unchecked when absent. */
  readonly readyBackends?: ((service: Service) => Readonly<Record<string, readonly string[]>>) | undefined;
  /** Reads provider metrics (provider-stats.ts); without it they have no data. */
  readonly providerStats?: ProviderStatsReader | undefined;
}

export interface PromoteOptions {
  /** The variant to promote; the report's winner when absent. */
  readonly variant?: string | undefined;
  /** Promote although the report does not name this variant the winner. */
  readonly force?: boolean | undefined;
}

const ATTEMPTS = 5;

export function experimentNotFound(name: string): SluiceError {
  return new SluiceError(ErrorCode.NOT_FOUND, `Experiment "${name}" does not exist (sluice get experiments lists them)`, { details: { experiment: name } });
}

/** The report of an experiment on its counts as stored now and what its providers answered. */
export async function reportOf(tx: Pick<StoreTransaction, 'experiments'>, experiment: Experiment, provided: ProviderStatsResult = NO_PROVIDER_STATS): Promise<ExperimentReport> {
  const report = experimentReport(experiment.spec, experimentData(experiment.spec, await tx.experiments.counts(experiment.name), provided.stats));
  return withUnavailableMetrics(report, provided.unavailable);
}

/** Provider metrics are read before the transaction (a provider may be a remote server), up to now. */
async function providerStatsOf(ctx: ExperimentCommandContext, name: string): Promise<ProviderStatsResult> {
  const experiment = await ctx.store.experiments.get(name);
  if (experiment === undefined || ctx.providerStats === undefined) return NO_PROVIDER_STATS;
  return ctx.providerStats(experiment, ctx.clock.now());
}

async function retried<T>(store: Store, work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(work);
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
    }
  }
}

async function getExperiment(tx: StoreTransaction, name: string): Promise<Experiment> {
  const experiment = await tx.experiments.get(name);
  if (experiment === undefined) throw experimentNotFound(name);
  return experiment;
}

/** What stop and promote change of an experiment, as its events' before/after show it. */
function experimentState(e: Experiment) {
  return { phase: e.status.phase, ...(e.status.result ? { result: e.status.result.result, winner: e.status.result.winner } : {}), ...(e.status.promoted ? { promoted: e.status.promoted.variant } : {}) };
}

/** The event of a command on an experiment: about its service, or (an experiment of flags alone) about itself. */
async function appendExperimentEvent(tx: StoreTransaction, change: { before: Experiment; after: Experiment }, draft: EventDraft, stamp: Stamp): Promise<void> {
  const experiment = change.after;
  const service = experiment.spec.service;
  const data = withChange({ experiment: experiment.name, ...draft.data }, auditChange(experimentState(change.before), experimentState(change.after)));
  if (service !== undefined) {
    await tx.events.append(stampEvents([{ ...draft, data }], { kind: 'Service', name: service, service }, stamp));
    return;
  }
  await tx.events.append(stampEvents([{ ...draft, type: EventType.ResourceChanged, data }], { kind: 'Experiment', name: experiment.name, service: '' }, stamp));
}

/**
 * Stops a running experiment: it counts no more events, an experiment of versions gives the service's
 * split back (everyone on the stable version from the next pass), and its result so far is recorded.
 * Its report stays readable, and it may still be promoted.
 */
export async function stopExperiment(ctx: ExperimentCommandContext, name: string, reason?: string): Promise<Experiment> {
  const provided = await providerStatsOf(ctx, name);
  return retried(ctx.store, async (tx) => {
    const experiment = await getExperiment(tx, name);
    if (experiment.status.phase !== 'Running') {
      throw new SluiceError(ErrorCode.INVALID_TRANSITION, `Experiment "${name}" is ${experiment.status.phase}: only a Running experiment can be stopped`, { details: { experiment: name, phase: experiment.status.phase } });
    }
    const at = ctx.clock.now();
    const report = await reportOf(tx, experiment, provided);
    const status = { ...experiment.status, phase: 'Stopped' as const, endedAt: at, endedBy: ctx.actor, ...(reason === undefined ? {} : { reason }), result: { result: report.result, winner: report.winner, at } };
    const saved = await tx.experiments.save({ ...experiment, status }, experiment.version);
    const text = report.result === 'winner' ? `winner ${report.winner ?? '?'}` : report.result;
    const stopReason = `Experiment ${name} stopped by ${ctx.actor} (${text})${reason === undefined ? '' : `: ${reason}`}`;
    await appendExperimentEvent(tx, { before: experiment, after: saved }, { type: EventType.CommandAccepted, to: 'stop', reason: stopReason }, { actor: ctx.actor, at, source: ctx.source });
    return saved;
  });
}

/** The variant to promote: the one asked for, or the winner; refused unless it is the winner or `force` is set. */
function chooseVariant(experiment: Experiment, report: ExperimentReport, options: PromoteOptions): string {
  const { name, spec } = experiment;
  const { variant, force = false } = options;
  if (variant !== undefined && !spec.variants.some((v) => v.name === variant)) {
    const names = spec.variants.map((v) => v.name).join(', ');
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `Experiment "${name}" has no variant "${variant}": expected one of ${names}`, {
      problems: [{ path: '$.variant', message: 'no such variant', found: variant, expected: `one of ${names}` }],
    });
  }
  const chosen = variant ?? report.winner ?? undefined;
  const why = report.reasons.map((r) => r.message).join('; ');
  if (chosen === undefined) {
    throw new SluiceError(ErrorCode.CONFLICT, `Experiment "${name}" has no winner to promote (result: ${report.result}: ${why}); to promote a variant anyway, name it and force it`, { details: { experiment: name, result: report.result } });
  }
  if (chosen !== report.winner && !force) {
    const has = report.winner === null ? `no winner (result: ${report.result})` : `the winner ${report.winner}`;
    throw new SluiceError(ErrorCode.CONFLICT, `Experiment "${name}" has ${has}, not ${chosen}: promote the winner, or force it`, { details: { experiment: name, result: report.result, winner: report.winner, variant: chosen } });
  }
  return chosen;
}

/**
 * Makes a version the service's stable at once (the controller serves it to everyone in one data-plane
 * update), with a new revision and a StableChanged event, as `undo` does. Nothing changes when the
 * version already is the stable one (the control won).
 */
async function makeStable(tx: StoreTransaction, ctx: ExperimentCommandContext, experiment: Experiment, version: string, stamp: Stamp): Promise<boolean> {
  const name = experiment.spec.service ?? '';
  const service = await tx.services.get(name);
  if (service === undefined) throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `Service "${name}" does not exist`, { details: { service: name } });
  if (service.status.stable === version) return false;
  const [active] = (await tx.rollouts.list({ service: name, activeOnly: true })).filter(isActive);
  if (active) throw new SluiceError(ErrorCode.CONFLICT, `Cannot promote experiment "${experiment.name}" while rollout "${active.name}" of service "${name}" is ${active.status.phase}`, { details: { service: name, rollout: active.name } });
  if (service.spec.versions[version] === undefined) throw new SluiceError(ErrorCode.CONFLICT, `Version ${version} is no longer declared by service "${name}"`, { details: { service: name, version } });
  if (ctx.readyBackends !== undefined && (ctx.readyBackends(service)[version]?.length ?? 0) === 0) {
    throw new SluiceError(ErrorCode.CONFLICT, `Cannot promote ${version}: it has no ready instance, so nothing could serve it; wait until it is ready (sluice get services) and promote again`, { details: { service: name, version } });
  }
  const next: Service = { ...service, status: { ...service.status, stable: version, revision: service.status.revision + 1 } };
  await tx.services.save(next, service.version);
  await tx.revisions.append(revisionOf(next, { ...stamp, outcome: 'promoted', experiment: experiment.name }));
  const change = auditChange({ stable: service.status.stable, revision: service.status.revision }, { stable: version, revision: next.status.revision });
  const data = withChange({ revision: next.status.revision, experiment: experiment.name }, change);
  await tx.events.append(stampEvents([{ type: EventType.StableChanged, from: service.status.stable, to: version, reason: `Experiment ${experiment.name} promoted by ${stamp.actor}`, data }], { kind: 'Service', name, service: name }, stamp));
  return true;
}

/**
 * Promotes a variant of a running or stopped experiment and ends it: for an experiment of versions,
 * the variant's version becomes the service's stable version at once. Only the report's winner may be
 * promoted unless `force` is set (then `variant` names which).
 */
export async function promoteExperiment(ctx: ExperimentCommandContext, name: string, options: PromoteOptions = {}): Promise<Experiment> {
  const provided = await providerStatsOf(ctx, name);
  return retried(ctx.store, async (tx) => {
    const experiment = await getExperiment(tx, name);
    if (experiment.status.phase === 'Promoted') {
      throw new SluiceError(ErrorCode.INVALID_TRANSITION, `Experiment "${name}" was already promoted (${experiment.status.promoted?.variant ?? '?'}): only a Running or Stopped experiment can be promoted`, { details: { experiment: name, phase: 'Promoted' } });
    }
    const report = await reportOf(tx, experiment, provided);
    const variant = chooseVariant(experiment, report, options);
    const at = ctx.clock.now();
    const stamp = { actor: ctx.actor, at, source: ctx.source };
    const version = variantVersion(experiment.spec, variant);
    const changed = version !== undefined && (await makeStable(tx, ctx, experiment, version, stamp));
    const forced = variant !== report.winner;
    const result = experiment.status.result ?? { result: report.result, winner: report.winner, at };
    const promoted = { variant, ...(version === undefined ? {} : { version }), forced };
    const status = { ...experiment.status, phase: 'Promoted' as const, endedAt: experiment.status.endedAt ?? at, endedBy: ctx.actor, promoted, result };
    const saved = await tx.experiments.save({ ...experiment, status }, experiment.version);
    const stays = version === undefined ? '' : ` (${version} stays stable)`;
    const promoteReason = `Experiment ${name}: variant ${variant} promoted by ${ctx.actor}${forced ? ' (forced)' : ''}${stays}`;
    if (!changed) await appendExperimentEvent(tx, { before: experiment, after: saved }, { type: EventType.CommandAccepted, to: 'promote', reason: promoteReason }, stamp);
    return saved;
  });
}
