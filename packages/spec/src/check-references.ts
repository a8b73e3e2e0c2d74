import type { Problem, ServiceSpec } from '@sluice/domain';
import type { ParsedResource } from './parse-resources.js';
import { describeValue, problemAt } from './problem-at.js';
import { LISTEN_PATTERN } from './schemas.js';

export interface ExistingResources {
  /** Services already stored, by name; a Service in the same file replaces the stored one. */
  readonly services: ReadonlyMap<string, ServiceSpec>;
}

/**
 * Checks what a single file cannot: that each Rollout names a Service (stored or in the same file)
 * with its target as a non-stable version, and that no new listen address is taken by a stored Service.
 * Returns problems instead of throwing so the caller picks the error code (UNKNOWN_REFERENCE).
 */
export function checkReferences(resources: readonly ParsedResource[], existing: ExistingResources): Problem[] {
  const services = new Map(existing.services);
  for (const resource of resources) if (resource.kind === 'Service') services.set(resource.name, resource.spec);
  const problems: Problem[] = [];
  for (const resource of resources) {
    if (resource.kind === 'Rollout') problems.push(...rolloutProblems(resource, services));
    else problems.push(...listenProblems(resource, services));
  }
  return problems;
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
  return [];
}

function listenProblems(resource: ServiceResource, services: ReadonlyMap<string, ServiceSpec>): Problem[] {
  const listen = resource.spec.listen.toLowerCase();
  // Port 0 asks the OS for a free port, so it never conflicts.
  if (Number(LISTEN_PATTERN.exec(listen)?.[2] ?? 0) === 0) return [];
  for (const [name, spec] of services) {
    if (name === resource.name || spec.listen.toLowerCase() !== listen) continue;
    return [
      problemAt(resource.source, ['spec', 'listen'], `listen address is already used by Service "${name}"`, {
        found: describeValue(resource.spec.listen),
        expected: 'a host:port no other Service listens on',
      }),
    ];
  }
  return [];
}
