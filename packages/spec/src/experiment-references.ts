import type { ExperimentResourceSpec, Problem, ServiceSpec } from '@sluice/domain';
import { describeValue, problemAt } from './problem-at.js';
import type { FieldPath, SourceMap } from './source-map.js';

interface ExperimentResource {
  readonly kind: 'Experiment';
  readonly name: string;
  readonly spec: ExperimentResourceSpec;
  readonly source: SourceMap;
}

/**
 * An Experiment's service exists (stored or in the same apply); for an experiment of versions, both
 * versions are declared by it and the control serves its stable version (the one everyone gets
 * outside the experiment), so the treatment is compared with what users have today.
 */
export function experimentReferenceProblems(resource: ExperimentResource, services: ReadonlyMap<string, ServiceSpec>): Problem[] {
  const { spec, source } = resource;
  if (spec.service === undefined) return [];
  const service = services.get(spec.service);
  if (service === undefined) {
    return [problemAt(source, ['spec', 'service'], `service "${spec.service}" does not exist`, { found: describeValue(spec.service), expected: 'the name of an existing Service, or one in the same apply' })];
  }
  const declared = Object.keys(service.versions);
  const problems: Problem[] = [];
  spec.variants.forEach((variant, i) => {
    if (!('version' in variant.serves)) return;
    const path: FieldPath = ['spec', 'variants', i, 'version'];
    const { version } = variant.serves;
    if (service.versions[version] === undefined) {
      problems.push(problemAt(source, path, `version "${version}" is not one of the versions of service "${spec.service}"`, { found: describeValue(version), expected: `one of: ${declared.slice(0, 20).join(', ')}` }));
    } else if (variant.name === spec.control && version !== service.stable) {
      problems.push(problemAt(source, path, `the control must serve the stable version of service "${spec.service}", ${service.stable}`, { found: describeValue(version), expected: describeValue(service.stable) }));
    }
  });
  return problems;
}
