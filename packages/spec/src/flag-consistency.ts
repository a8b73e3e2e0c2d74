import { validateFlagSpec, type Problem } from '@sluice/domain';
import { flagSpec } from './flag-schemas.js';
import { toFlagSpec } from './flag-to-domain.js';
import { problemAt } from './problem-at.js';
import type { DocumentSource } from './source-map.js';

/**
 * The domain's rules of a Flag (validateFlagSpec), at the fields of the file. Runs only on a spec
 * the schema accepts; the schema's own problems are reported by parseResources.
 */
export function flagProblems(source: DocumentSource, data: unknown): Problem[] {
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const parsed = flagSpec.safeParse(record['spec']);
  if (!parsed.success) return [];
  const metadata = record['metadata'];
  const name = typeof metadata === 'object' && metadata !== null && typeof (metadata as Record<string, unknown>)['name'] === 'string' ? String((metadata as Record<string, unknown>)['name']) : 'flag';
  return validateFlagSpec(name, toFlagSpec(parsed.data)).map((p) => problemAt(source, [...p.path], p.message, { expected: p.expected }));
}
