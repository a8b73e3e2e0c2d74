import { EventType, isActive, isVersionExperiment, type Experiment, type ExperimentResourceSpec, type Problem } from '@sluice/domain';
import type { ParsedResource } from '@sluice/spec';
import { auditChange, withChange } from '../events/audit-change.js';
import { stampEvents, type Stamp } from '../orchestrator/commit.js';
import type { StoreTransaction } from '../store/store.js';
import { experimentArms } from './experiment-split.js';

type ExperimentResource = ParsedResource & { kind: 'Experiment' };

/** What applying the Experiments of a set of resources would do, and what it conflicts with. */
export interface ExperimentApplyPlan {
  readonly results: { kind: 'Experiment'; name: string; action: 'created' | 'unchanged' }[];
  /** Conflicts with the current state (CONFLICT). */
  readonly problems: Problem[];
  /** A changed spec of an existing experiment (IMMUTABLE_FIELD). */
  readonly immutable: Problem[];
  readonly writes: (() => Promise<unknown>)[];
}

function at(r: ParsedResource, path: readonly (string | number)[], message: string, expected: string): Problem {
  const pos = r.source.locate(path);
  const dotted = path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
  return { file: r.source.file, ...(pos ?? {}), path: dotted, message, expected };
}

/** "control (v1) 50% / treatment (v2) 50%". */
const allocation = (spec: ExperimentResourceSpec): string =>
  spec.variants.map((v) => `${v.name} (${'version' in v.serves ? v.serves.version : `${v.serves.flag}=${v.serves.variation}`}) ${v.weight}%`).join(' / ');

/** Running experiments of versions, by service: those stored, then those this apply creates. */
async function splitOwners(tx: StoreTransaction): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const e of await tx.experiments.list({ runningOnly: true })) {
    if (e.spec.service !== undefined && isVersionExperiment(e.spec)) owners.set(e.spec.service, e.name);
  }
  return owners;
}

async function activeRolloutOf(tx: StoreTransaction, service: string, resources: readonly ParsedResource[]): Promise<string | undefined> {
  const [stored] = (await tx.rollouts.list({ service, activeOnly: true })).filter(isActive);
  if (stored) return stored.name;
  for (const r of resources) if (r.kind === 'Rollout' && r.spec.service === service && (await tx.rollouts.get(r.name)) === undefined) return r.name;
  return undefined;
}

async function planNew(tx: StoreTransaction, r: ExperimentResource, resources: readonly ParsedResource[], owners: Map<string, string>): Promise<Problem | undefined> {
  const service = r.spec.service;
  if (service === undefined || !isVersionExperiment(r.spec)) return undefined;
  const rollout = await activeRolloutOf(tx, service, resources);
  if (rollout !== undefined) {
    return at(r, ['spec', 'service'], `service "${service}" has an active rollout (${rollout}); an experiment of versions owns the service's traffic split while it runs`, 'abort or finish the rollout first');
  }
  const owner = owners.get(service);
  if (owner !== undefined) {
    return at(r, ['spec', 'service'], `service "${service}" already runs experiment "${owner}", which owns its traffic split`, `one running experiment of versions per service: stop or promote ${owner} first`);
  }
  owners.set(service, r.name);
  return undefined;
}

/** Rollouts created and service changes that would take the split (or a version) from a running experiment. */
async function ownerConflicts(tx: StoreTransaction, resources: readonly ParsedResource[], owners: ReadonlyMap<string, string>): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const r of resources) {
    if (r.kind === 'Rollout') {
      const owner = owners.get(r.spec.service);
      if (owner !== undefined && (await tx.rollouts.get(r.name)) === undefined) {
        problems.push(at(r, ['spec', 'service'], `service "${r.spec.service}" runs experiment "${owner}", which owns its traffic split`, `stop or promote the experiment first (sluice experiment stop ${owner})`));
      }
    } else if (r.kind === 'Service' && owners.has(r.name)) {
      problems.push(...(await serviceConflicts(tx, r, owners.get(r.name) ?? '')));
    }
  }
  return problems;
}

async function serviceConflicts(tx: StoreTransaction, r: ParsedResource & { kind: 'Service' }, owner: string): Promise<Problem[]> {
  const experiment = await tx.experiments.get(owner);
  const arms = experiment && experimentArms(experiment);
  if (arms === undefined) return [];
  const problems = [arms.control, arms.treatment]
    .filter((v) => r.spec.versions[v] === undefined)
    .map((v) => at(r, ['spec', 'versions'], `version "${v}" is used by running experiment "${owner}" and cannot be removed`, `versions to include ${v} until the experiment is stopped or promoted`));
  const existing = await tx.services.get(r.name);
  if (existing && existing.spec.stable !== r.spec.stable) {
    problems.push(at(r, ['spec', 'stable'], `stable cannot change while experiment "${owner}" runs`, existing.spec.stable));
  }
  return problems;
}

/**
 * Plans the Experiments of an apply: a new one starts Running at once (it counts events from now on);
 * an existing one is unchanged or, with another spec, refused like a rollout's (its counts belong to
 * its spec). An experiment of versions needs its service free of rollouts and other such experiments,
 * and while it runs, no rollout of that service may start and its versions and stable must stay.
 */
export async function planExperiments(tx: StoreTransaction, resources: readonly ParsedResource[], stamp: Stamp): Promise<ExperimentApplyPlan> {
  const plan: ExperimentApplyPlan = { results: [], problems: [], immutable: [], writes: [] };
  const owners = await splitOwners(tx);
  for (const r of resources) {
    if (r.kind !== 'Experiment') continue;
    const existing = await tx.experiments.get(r.name);
    if (existing !== undefined) {
      if (JSON.stringify(existing.spec) === JSON.stringify(r.spec)) plan.results.push({ kind: 'Experiment', name: r.name, action: 'unchanged' });
      else plan.immutable.push(at(r, ['spec'], `experiment "${r.name}" already exists (${existing.status.phase}) and its spec cannot change`, 'the same spec, or an experiment with a new name'));
      continue;
    }
    const conflict = await planNew(tx, r, resources, owners);
    if (conflict !== undefined) {
      plan.problems.push(conflict);
      continue;
    }
    plan.results.push({ kind: 'Experiment', name: r.name, action: 'created' });
    plan.writes.push(...startWrites(tx, r, stamp));
  }
  plan.problems.push(...(await ownerConflicts(tx, resources, owners)));
  return plan;
}

function startWrites(tx: StoreTransaction, r: ExperimentResource, stamp: Stamp): (() => Promise<unknown>)[] {
  const experiment: Experiment = { name: r.name, spec: r.spec, status: { phase: 'Running', startedAt: stamp.at }, version: 0 };
  const writes: (() => Promise<unknown>)[] = [() => tx.experiments.save(experiment, 0)];
  const service = r.spec.service;
  const reason = `Experiment ${r.name} started: ${allocation(r.spec)}`;
  const data = withChange({ experiment: r.name }, auditChange(undefined, r.spec));
  // An experiment of a service is part of its release history; one of flags alone is about itself.
  const event = service !== undefined ? { type: EventType.CommandAccepted, to: 'experiment', reason, data } : { type: EventType.ResourceChanged, to: 'created', reason, data };
  const subject = service !== undefined ? { kind: 'Service' as const, name: service, service } : { kind: 'Experiment' as const, name: r.name, service: '' };
  writes.push(() => tx.events.append(stampEvents([event], subject, stamp)));
  return writes;
}
