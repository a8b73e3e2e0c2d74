import {
  createRollout,
  ErrorCode,
  EventType,
  isActive,
  isSluiceError,
  revisionOf,
  sameRolloutSpec,
  SluiceError,
  type AnalysisTemplate,
  type EventDraft,
  type Problem,
  type Rollout,
  type Segment,
  type Service,
  type Target,
  type ServiceSpec,
} from '@sluice/domain';
import { checkReferences, type ParsedResource } from '@sluice/spec';
import { planExperiments } from '../experiments/apply-experiments.js';
import { planFlags } from '../flags/apply-flags.js';
import { auditChange } from '../events/audit-change.js';
import { stampEvents, type Stamp } from '../orchestrator/commit.js';
import { appliedEvent } from '../events/resource-events.js';
import { capabilityProblems, runtimeProblems, type DataPlaneChecks, type RuntimeChecks } from './check-capabilities.js';
import { migrationGateProblems } from '../migrations/migration-gate.js';
import { planWebhooks, webhookSecretProblems, webhookUrlProblems } from '../notifications/apply-webhooks.js';
import type { OutboundPolicy } from '../notifications/outbound-policy.js';
import type { Store, StoreTransaction } from '../store/store.js';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  readonly kind: ParsedResource['kind'];
  readonly name: string;
  readonly action: ApplyAction;
}

export interface ApplyOptions {
  readonly dryRun: boolean;
  readonly actor: string;
  readonly now: number;
  /** The client IP address of the request, recorded with the events (absent for `sluice server --apply`). */
  readonly source?: string | undefined;
  /** The data plane's capabilities; specs needing others are rejected (UNSUPPORTED_CAPABILITY). Unchecked when absent. */
  readonly dataPlane?: DataPlaneChecks;
  /** The runtime; Services with versions it could not run are rejected (UNSUPPORTED_CAPABILITY). Unchecked when absent. */
  readonly runtime?: RuntimeChecks;
  /** Where migrations' database URL variables and webhooks' secret variables are looked up (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Which hosts webhooks may reach; URLs it refuses are rejected (UNSUPPORTED_CAPABILITY). Unchecked when absent. */
  readonly webhookPolicy?: OutboundPolicy;
}

/** A problem at a field of a parsed resource, located in its source file. */
function problemAt(resource: ParsedResource, path: readonly (string | number)[], problem: Omit<Problem, 'file' | 'line' | 'col' | 'path'>): Problem {
  const pos = resource.source.locate(path);
  const dotted = path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
  return { file: resource.source.file, ...(pos ?? {}), path: dotted, ...problem };
}

function duplicateProblems(resources: readonly ParsedResource[]): Problem[] {
  const seen = new Map<string, ParsedResource>();
  const problems: Problem[] = [];
  for (const r of resources) {
    const key = `${r.kind}/${r.name}`;
    const first = seen.get(key);
    if (!first) seen.set(key, r);
    else if (first.source.file !== r.source.file) {
      const at = first.source.locate(['metadata', 'name']);
      problems.push(problemAt(r, ['metadata', 'name'], {
        message: `${r.kind} "${r.name}" is defined twice (first in ${first.source.file}${at ? `:${at.line}` : ''})`,
        expected: 'each resource name once per apply',
      }));
    }
  }
  return problems;
}

/**
 * The stable version a service will have after an apply: the declared one when it is new or the
 * declaration changed (an operator override), else the one the controller made true (a promotion).
 */
function effectiveStable(existing: Service | undefined, spec: ServiceSpec): string {
  if (!existing || existing.spec.stable !== spec.stable) return spec.stable;
  return existing.status.stable;
}

function servicePlan(existing: Service | undefined, spec: ServiceSpec, name: string, active: readonly Rollout[]) {
  if (!existing) {
    const service: Service = { name, spec, status: { stable: spec.stable, revision: 1 }, version: 0 };
    return { service, action: 'created' as const, events: [{ type: EventType.ServiceCreated, to: spec.stable, reason: `Service ${name} created with stable ${spec.stable}`, data: { ...auditChange(undefined, spec) } }] };
  }
  if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return { service: existing, action: 'unchanged' as const, events: [] };
  // A changed declared stable is an operator override; otherwise the controller's stable stands.
  const stable = active.length === 0 ? effectiveStable(existing, spec) : existing.status.stable;
  const revision = stable === existing.status.stable ? existing.status.revision : existing.status.revision + 1;
  const events: EventDraft[] = [{ type: EventType.ServiceUpdated, reason: `Service ${name} spec updated`, data: { ...auditChange(existing.spec, spec) } }];
  if (stable !== existing.status.stable) {
    const data = { ...auditChange({ stable: existing.status.stable, revision: existing.status.revision }, { stable, revision }) };
    events.push({ type: EventType.StableChanged, from: existing.status.stable, to: stable, reason: `Stable set to ${stable} by spec`, data });
  }
  // Which versions are warm or idle (blue-green scale-down) outlives a spec change.
  return { service: { ...existing, spec, status: { ...existing.status, stable, revision } }, action: 'configured' as const, events };
}

/** Problems a service update would cause for the rollouts running on it. */
function serviceConflicts(resource: ParsedResource & { kind: 'Service' }, existing: Service | undefined, active: readonly Rollout[]): Problem[] {
  const problems: Problem[] = [];
  for (const r of active) {
    for (const version of [r.spec.target, r.status.stable]) {
      if (!resource.spec.versions[version]) {
        problems.push(problemAt(resource, ['spec', 'versions'], {
          message: `version "${version}" is used by active rollout "${r.name}" and cannot be removed`,
          expected: `versions to include ${version} until the rollout finishes`,
        }));
      }
    }
    if (existing && existing.spec.stable !== resource.spec.stable) {
      problems.push(problemAt(resource, ['spec', 'stable'], {
        message: `stable cannot change while rollout "${r.name}" is active`,
        found: resource.spec.stable,
        expected: existing.spec.stable,
      }));
    }
  }
  return problems;
}

async function planRollout(tx: StoreTransaction, r: ParsedResource & { kind: 'Rollout' }, stableOf: (s: string) => string | undefined, opts: ApplyOptions, claimed: Set<string>) {
  const existing = await tx.rollouts.get(r.name);
  if (existing) {
    if (sameRolloutSpec(existing.spec, r.spec)) return { action: 'unchanged' as const };
    return { immutable: true, problem: problemAt(r, ['spec'], {
      message: `rollout "${r.name}" already exists (${existing.status.phase}) and its spec cannot change`,
      expected: 'the same spec, or a rollout with a new name',
    }) };
  }
  const others = (await tx.rollouts.list({ service: r.spec.service, activeOnly: true })).filter(isActive);
  if (others.length > 0 || claimed.has(r.spec.service)) {
    const other = others[0]?.name ?? 'another rollout in this apply';
    return { problem: problemAt(r, ['spec', 'service'], {
      message: `service "${r.spec.service}" already has an active rollout (${other})`,
      expected: 'one active rollout per service: abort or finish it first',
    }) };
  }
  claimed.add(r.spec.service);
  const rollout = createRollout(r.name, r.spec, stableOf(r.spec.service) ?? '', opts.now, opts.actor);
  return { rollout, action: 'created' as const };
}

/**
 * Applies a set of resources all-or-nothing: every check runs first, then every write happens in
 * one transaction with its events. On any problem nothing is written and a SluiceError lists all of them.
 */
export async function applyResources(store: Store, resources: readonly ParsedResource[], opts: ApplyOptions): Promise<ApplyResult[]> {
  const dupes = duplicateProblems(resources);
  if (dupes.length > 0) throw invalid(ErrorCode.INVALID_SPEC, dupes);
  const unsupported = [
    ...(opts.dataPlane ? capabilityProblems(resources, opts.dataPlane) : []),
    ...(opts.runtime ? runtimeProblems(resources, opts.runtime) : []),
    ...(opts.webhookPolicy ? webhookUrlProblems(resources, opts.webhookPolicy) : []),
  ];
  if (unsupported.length > 0) throw invalid(ErrorCode.UNSUPPORTED_CAPABILITY, unsupported);
  // A migration whose SQL lints unsafe is refused before anything is stored or runs.
  const rollouts = resources.filter((r): r is ParsedResource & { kind: 'Rollout' } => r.kind === 'Rollout');
  const unsafe = (await Promise.all(rollouts.map((r) => migrationGateProblems(r, opts.env ?? process.env)))).flat();
  if (unsafe.length > 0) throw invalid(ErrorCode.UNSAFE_MIGRATION, unsafe);
  // References are checked against each service's effective stable (a promotion moves it), not the declared one.
  const stored = new Map((await store.services.list()).map((s) => [s.name, s] as const));
  const existingServices = new Map([...stored.values()].map((s) => [s.name, { ...s.spec, stable: s.status.stable }] as const));
  const withEffectiveStable = resources.map((r) =>
    r.kind === 'Service' ? { ...r, spec: { ...r.spec, stable: effectiveStable(stored.get(r.name), r.spec) } } : r,
  );
  const segments = new Set((await store.segments.list()).map((s) => s.name));
  const targets = new Map((await store.targets.list()).map((t) => [t.name, t.spec] as const));
  const templates = new Map((await store.analysisTemplates.list()).map((t) => [t.name, t.spec] as const));
  const flags = new Set((await store.flags.list()).map((f) => f.name));
  const refs = [...checkReferences(withEffectiveStable, { services: existingServices, segments, targets, flags }, templates), ...webhookSecretProblems(resources, opts.env ?? process.env)];
  if (refs.length > 0) throw invalid(ErrorCode.UNKNOWN_REFERENCE, refs);
  try {
    return await store.transaction((tx) => applyInTransaction(tx, resources, opts));
  } catch (error) {
    if (isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT) {
      return store.transaction((tx) => applyInTransaction(tx, resources, opts));
    }
    throw error;
  }
}

/** The RolloutCreated event: from stable to target; its after is the spec and author. */
function rolloutCreatedEvent(created: Rollout): EventDraft {
  const data = { ...auditChange(undefined, { spec: created.spec, createdBy: created.createdBy }) };
  const reason = `Rollout ${created.name} created: ${created.status.stable} → ${created.spec.target} in ${created.spec.strategy.steps.length} steps`;
  return { type: EventType.RolloutCreated, from: created.status.stable, to: created.spec.target, reason, data };
}

async function applyInTransaction(tx: StoreTransaction, resources: readonly ParsedResource[], opts: ApplyOptions): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  const problems: Problem[] = [];
  const immutable: Problem[] = [];
  const stables = new Map<string, string>();
  const writes: Array<() => Promise<unknown>> = [];
  const stamp = { actor: opts.actor, at: opts.now, source: opts.source };
  for (const r of resources) {
    if (r.kind !== 'Service') continue;
    const existing = await tx.services.get(r.name);
    const active = (await tx.rollouts.list({ service: r.name, activeOnly: true })).filter(isActive);
    problems.push(...serviceConflicts(r, existing, active));
    const plan = servicePlan(existing, r.spec, r.name, active);
    if (!r.spec.versions[plan.service.status.stable]) {
      problems.push(problemAt(r, ['spec', 'versions'], {
        message: `version "${plan.service.status.stable}" is the stable version (a rollout promoted it) and cannot be removed`,
        expected: `versions to include ${plan.service.status.stable}, or spec.stable set to the version that should serve`,
      }));
    }
    stables.set(r.name, plan.service.status.stable);
    results.push({ kind: 'Service', name: r.name, action: plan.action });
    if (plan.action === 'unchanged') continue;
    const events = stampEvents(plan.events, { kind: 'Service', name: r.name, service: r.name }, stamp);
    writes.push(() => tx.services.save(plan.service, existing?.version ?? 0), () => tx.events.append(events));
    // A new service, or a declared stable that changed, makes a new revision (`sluice history`, `sluice undo`).
    const outcome = existing === undefined ? 'created' : 'applied';
    if (plan.service.status.revision !== existing?.status.revision) writes.push(() => tx.revisions.append(revisionOf(plan.service, { ...stamp, outcome })));
  }
  await planWholeResources(tx, resources, { results, writes, stamp });
  const claimed = new Set<string>();
  for (const r of resources) {
    if (r.kind !== 'Rollout') continue;
    const stableOf = (s: string) => stables.get(s);
    if (!stables.has(r.spec.service)) stables.set(r.spec.service, (await tx.services.get(r.spec.service))?.status.stable ?? '');
    const plan = await planRollout(tx, r, stableOf, opts, claimed);
    if ('problem' in plan && plan.problem) {
      ('immutable' in plan ? immutable : problems).push(plan.problem);
      continue;
    }
    results.push({ kind: 'Rollout', name: r.name, action: plan.action ?? 'unchanged' });
    if (!('rollout' in plan) || !plan.rollout) continue;
    const created = plan.rollout;
    const events = stampEvents([rolloutCreatedEvent(created)], { kind: 'Rollout', name: created.name, service: created.spec.service }, stamp);
    writes.push(() => tx.rollouts.save(created, 0), () => tx.events.append(events));
  }
  const experiments = await planExperiments(tx, resources, stamp);
  results.push(...experiments.results);
  problems.push(...experiments.problems);
  immutable.push(...experiments.immutable);
  writes.push(...experiments.writes);
  const flags = await planFlags(tx, resources, stamp);
  if (flags.problems.length > 0) throw invalid(ErrorCode.UNKNOWN_REFERENCE, flags.problems);
  results.push(...flags.results);
  writes.push(...flags.writes);
  if (problems.length > 0) throw invalid(ErrorCode.CONFLICT, [...problems, ...immutable]);
  if (immutable.length > 0) throw invalid(ErrorCode.IMMUTABLE_FIELD, immutable);
  if (!opts.dryRun) for (const write of writes) await write();
  return results;
}

/** Created, unchanged or configured: a resource replaced as a whole. */
function wholePlan(existing: { spec: unknown; version: number } | undefined, spec: unknown) {
  if (!existing) return { action: 'created' as const, expectedVersion: 0, existing };
  if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return { action: 'unchanged' as const, expectedVersion: existing.version, existing };
  return { action: 'configured' as const, expectedVersion: existing.version, existing };
}

interface WholePlanOutput {
  readonly results: ApplyResult[];
  readonly writes: Array<() => Promise<unknown>>;
  readonly stamp: Stamp;
}

/**
 * Segments, AnalysisTemplates, Targets and Webhooks are created or replaced as a whole, each change
 * recorded as a ResourceChanged event (service ""): services and rollouts using a Segment serve its
 * new conditions from the next reconcile pass; an analysis reads its templates when it measures.
 */
async function planWholeResources(tx: StoreTransaction, resources: readonly ParsedResource[], out: WholePlanOutput): Promise<void> {
  const { results, writes, stamp } = out;
  const webhooks = await planWebhooks(tx, resources, stamp);
  results.push(...webhooks.results);
  writes.push(...webhooks.writes);
  const record = (kind: 'Segment' | 'AnalysisTemplate' | 'Target', r: { name: string; spec: unknown }, plan: ReturnType<typeof wholePlan>, save: () => Promise<unknown>) => {
    results.push({ kind, name: r.name, action: plan.action });
    if (plan.action === 'unchanged') return;
    const events = appliedEvent(kind, r.name, plan.existing, r.spec, stamp);
    writes.push(save, () => tx.events.append(events));
  };
  for (const r of resources) {
    if (r.kind === 'Segment') {
      const plan = wholePlan(await tx.segments.get(r.name), r.spec);
      const segment: Segment = { name: r.name, spec: r.spec, version: plan.expectedVersion };
      record('Segment', r, plan, () => tx.segments.save(segment, plan.expectedVersion));
    } else if (r.kind === 'AnalysisTemplate') {
      const plan = wholePlan(await tx.analysisTemplates.get(r.name), r.spec);
      const template: AnalysisTemplate = { name: r.name, spec: r.spec, version: plan.expectedVersion };
      record('AnalysisTemplate', r, plan, () => tx.analysisTemplates.save(template, plan.expectedVersion));
    } else if (r.kind === 'Target') {
      // A running waves rollout keeps the targets it assigned; a changed listener is served from the next pass.
      const plan = wholePlan(await tx.targets.get(r.name), r.spec);
      const target: Target = { name: r.name, spec: r.spec, version: plan.expectedVersion };
      record('Target', r, plan, () => tx.targets.save(target, plan.expectedVersion));
    }
  }
}

function invalid(code: ErrorCode, problems: readonly Problem[]): SluiceError {
  const files = [...new Set(problems.map((p) => p.file).filter(Boolean))].join(', ');
  const n = problems.length;
  return new SluiceError(code, `${n} problem${n === 1 ? '' : 's'}${files ? ` in ${files}` : ''}`, { problems });
}
