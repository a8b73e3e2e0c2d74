import { listenConflict } from '@sluice/domain';
import type { AnalysisTemplateSpec, ConditionSpec, Problem, ServiceSpec, TargetSpec } from '@sluice/domain';
import { analysisReferenceProblems } from './analysis-references.js';
import { experimentReferenceProblems } from './experiment-references.js';
import { flagReferenceProblems } from './flag-references.js';
import { hostIndex, listenProblem } from './listen-problems.js';
import { wavesReferenceProblems } from './waves-references.js';
import type { ParsedResource } from './parse-resources.js';
import { describeValue, problemAt } from './problem-at.js';
import type { FieldPath } from './source-map.js';

export interface ExistingResources {
  /** Services already stored, by name; a Service in the same file replaces the stored one. */
  readonly services: ReadonlyMap<string, ServiceSpec>;
  /** Names of the Segments already stored. When absent, segment references are not checked. */
  readonly segments?: ReadonlySet<string>;
  /** Names of the Flags already stored. When absent, flag conditions are not checked. */
  readonly flags?: ReadonlySet<string>;
  /** Targets already stored, by name; a Target in the same apply replaces the stored one. When absent, wave selectors are not checked. */
  readonly targets?: ReadonlyMap<string, TargetSpec>;
}

/**
 * Checks what a single file cannot: that each Rollout names a Service (stored or in the same file)
 * with its target as a non-stable version, that no Service takes the listen address (or a host
 * name) of another one (stored, or in another file of the apply), and that every Segment a route
 * or step names exists (stored or in the same file), and that every AnalysisTemplate an analysis step or
 * background analysis names exists, gets the arguments it needs and, for a step without a duration,
 * ends (analysis-references.ts). `templates` are the stored AnalysisTemplates (none when absent); a
 * template in the same apply replaces the stored one.
 * Returns problems instead of throwing so the caller picks the error code (UNKNOWN_REFERENCE).
 */
export function checkReferences(
  resources: readonly ParsedResource[],
  existing: ExistingResources,
  templates?: ReadonlyMap<string, AnalysisTemplateSpec>,
): Problem[] {
  const services = new Map(existing.services);
  const allTemplates = new Map(templates);
  for (const resource of resources) {
    if (resource.kind === 'Service') services.set(resource.name, resource.spec);
    if (resource.kind === 'AnalysisTemplate') allTemplates.set(resource.name, resource.spec);
  }
  const segments = existing.segments && new Set([...existing.segments, ...resources.filter((r) => r.kind === 'Segment').map((r) => r.name)]);
  const applied = resources.filter((r): r is ServiceResource => r.kind === 'Service');
  const targets = existing.targets && new Map([...existing.targets, ...resources.flatMap((r) => (r.kind === 'Target' ? [[r.name, r.spec] as const] : []))]);
  const problems: Problem[] = [];
  for (const resource of resources) {
    if (resource.kind === 'Rollout') problems.push(...rolloutProblems(resource, services), ...analysisReferenceProblems(resource, allTemplates));
    if (resource.kind === 'Rollout' && targets) problems.push(...wavesReferenceProblems(resource, targets));
    else if (resource.kind === 'Service') problems.push(...listenProblems(resource, services, applied));
    else if (resource.kind === 'Experiment') problems.push(...experimentReferenceProblems(resource, services));
    if (segments) problems.push(...segmentProblems(resource, segments));
  }
  if (existing.flags) problems.push(...flagReferenceProblems(resources, existing.flags));
  return problems;
}

/** Every segment reference of a resource with the path of its `segment` field. */
function segmentReferences(resource: ParsedResource): { name: string; path: FieldPath }[] {
  const inMatch = (conditions: readonly ConditionSpec[], base: FieldPath) =>
    conditions.flatMap((c, j) => (c.kind === 'segment' ? [{ name: c.segment, path: [...base, j, 'segment'] }] : []));
  if (resource.kind === 'Service') {
    return (resource.spec.routes ?? []).flatMap((route, i) => inMatch(route.conditions, ['spec', 'routes', i, 'match']));
  }
  if (resource.kind !== 'Rollout') return [];
  return resource.spec.strategy.steps.flatMap((step, k) => {
    const base: FieldPath = ['spec', 'strategy', 'canary', 'steps', k];
    if (step.kind === 'setSegmentRoute') return [{ name: step.segment, path: [...base, 'setSegmentRoute', 'segment'] }];
    if (step.kind === 'setHeaderRoute') return inMatch(step.match ?? [], [...base, 'setHeaderRoute', 'match']);
    return [];
  });
}

function segmentProblems(resource: ParsedResource, segments: ReadonlySet<string>): Problem[] {
  return segmentReferences(resource)
    .filter((ref) => !segments.has(ref.name))
    .map((ref) =>
      problemAt(resource.source, ref.path, `segment "${ref.name}" does not exist`, {
        found: describeValue(ref.name),
        expected: segments.size === 0 ? 'the name of a Segment applied before or in the same file (there are none)' : `one of: ${[...segments].slice(0, 20).join(', ')}`,
      }),
    );
}

type RolloutResource = Extract<ParsedResource, { kind: 'Rollout' }>;
type ServiceResource = Extract<ParsedResource, { kind: 'Service' }>;

function rolloutProblems(rollout: RolloutResource, services: ReadonlyMap<string, ServiceSpec>): Problem[] {
  const { service: serviceName, target } = rollout.spec;
  const service = services.get(serviceName);
  if (!service) {
    return [
      problemAt(rollout.source, ['spec', 'service'], `service "${serviceName}" does not exist`, {
        found: describeValue(serviceName),
        expected: 'the name of a Service applied before or in the same file',
      }),
    ];
  }
  const versions = Object.keys(service.versions);
  if (!versions.includes(target)) {
    return [
      problemAt(rollout.source, ['spec', 'target'], `version "${target}" is not a version of service "${serviceName}"`, {
        found: describeValue(target),
        expected: `one of: ${versions.join(', ')}`,
      }),
    ];
  }
  if (target === service.stable) {
    return [
      problemAt(rollout.source, ['spec', 'target'], `version "${target}" is already the stable version of service "${serviceName}"`, {
        found: describeValue(target),
        expected: `a version other than "${service.stable}" (one of: ${versions.filter((v) => v !== target).join(', ') || 'none'})`,
      }),
    ];
  }
  return rollingProblems(rollout, serviceName, service);
}

/** A rolling strategy replaces instances: the stable and the target must both be `run` versions. */
function rollingProblems(rollout: RolloutResource, serviceName: string, service: ServiceSpec): Problem[] {
  if (rollout.spec.strategy.kind !== 'rolling') return [];
  const roles = [
    { role: 'target', version: rollout.spec.target },
    { role: 'stable version', version: service.stable },
  ];
  return roles.flatMap(({ role, version }) => {
    const source = service.versions[version];
    if (source === undefined || source.kind === 'run') return [];
    return [
      problemAt(rollout.source, ['spec', 'strategy', 'rolling'], `a rolling strategy replaces instances, but the ${role} "${version}" of service "${serviceName}" has fixed upstreams`, {
        found: `versions.${version}.upstreams`,
        expected: `"${version}" declared with run (a rolling strategy needs run versions for both the stable and the target), or a canary or blueGreen strategy`,
      }),
    ];
  });
}

/**
 * A Service's listen address against every other Service after this apply (stored ones replaced
 * by their new version): shared only when hosts keep them apart (see shared-listen.ts). A conflict
 * between two Services of this apply is reported once, at the later one.
 */
function listenProblems(resource: ServiceResource, services: ReadonlyMap<string, ServiceSpec>, applied: readonly ServiceResource[]): Problem[] {
  const position = applied.indexOf(resource);
  for (const [name, spec] of services) {
    if (name === resource.name) continue;
    const conflict = listenConflict(resource.spec, spec);
    if (conflict === undefined) continue;
    const index = applied.findIndex((r) => r.name === name);
    if (index > position) continue;
    const other = applied[index];
    const path: FieldPath = conflict.kind === 'host' ? ['spec', 'hosts', hostIndex(spec.hosts, conflict.host)] : ['spec', 'listen'];
    const where = other === undefined ? '(applied before)' : `in ${other.source.file}:${other.source.locate(path)?.line ?? '?'}`;
    return [listenProblem({ name: resource.name, ...resource.spec, source: resource.source }, { name, where }, conflict, '')];
  }
  return [];
}
