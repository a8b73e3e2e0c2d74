import type { Problem } from '@sluice/domain';
import { z } from 'zod';
import type { core } from 'zod';
import { hints } from './schemas.js';
import { describeValue, formatPath, problemAt } from './problem-at.js';
import type { DocumentSource, FieldPath } from './source-map.js';

/** Enough to fix a document by; also keeps a map of 100,000 unknown keys from costing 100,000 lookups. */
export const MAX_PROBLEMS_PER_DOCUMENT = 50;

/** Turns zod issues into Problems with file positions, and with `found`/`expected` in the user's terms. */
export function problemsFromIssues(
  issues: readonly core.$ZodIssue[],
  schema: z.ZodType,
  data: unknown,
  source: DocumentSource,
): Problem[] {
  const problems: Problem[] = [];
  const unknownFieldsAt = new Set(
    issues.filter((i) => i.code === 'unrecognized_keys').map((i) => formatPath(i.path as FieldPath)),
  );
  for (const issue of issues) {
    if (problems.length >= MAX_PROBLEMS_PER_DOCUMENT) break;
    const path = issue.path as FieldPath;
    // `{ bogus: 1 }` as a step is an unknown field; "needs exactly one of" on top of it is noise.
    if (issue.code === 'custom' && issue.params?.['found'] !== undefined && unknownFieldsAt.has(formatPath(path))) continue;
    problems.push(...toProblems(issue, path, schema, data, source));
  }
  return dedupe(problems).slice(0, MAX_PROBLEMS_PER_DOCUMENT);
}

function toProblems(issue: core.$ZodIssue, path: FieldPath, schema: z.ZodType, data: unknown, source: DocumentSource): Problem[] {
  const value = valueAt(data, path);
  const field = schemaAt(schema, path);
  const expected = field ? expectedOf(field) : undefined;
  if (value === undefined && issue.code !== 'unrecognized_keys' && issue.code !== 'custom') {
    return [problemAt(source, path, `missing required field "${fieldLabel(path)}"`, { expected })];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = field instanceof z.ZodObject ? Object.keys(field.shape) : [];
      return issue.keys.slice(0, MAX_PROBLEMS_PER_DOCUMENT).map((key) =>
        problemAt(source, [...path, key], `unknown field "${key}"`, {
          at: source.locateKey([...path, key]),
          expected: `one of: ${allowed.join(', ')}`,
        }),
      );
    }
    case 'invalid_key': {
      const record = schemaAt(schema, path.slice(0, -1));
      const keyHint = record instanceof z.ZodRecord ? hints.get(record.keyType as z.ZodType) : undefined;
      return [
        problemAt(source, path, keyHint?.invalid ?? 'invalid key', {
          at: source.locateKey(path),
          found: describeValue(path[path.length - 1]),
          expected: keyHint?.expected,
        }),
      ];
    }
    case 'invalid_type':
      return [problemAt(source, path, `wrong type for "${fieldLabel(path)}"`, { found: describeValue(value), expected })];
    case 'custom': {
      const params = issue.params ?? {};
      const message = stringParam(params, 'message') ?? (field && hints.get(field)?.invalid) ?? 'invalid value';
      const found = stringParam(params, 'found') ?? (value === undefined ? undefined : describeValue(value));
      return [problemAt(source, path, message, { found, expected: stringParam(params, 'expected') ?? expected })];
    }
    default: {
      const message = (field && hints.get(field)?.invalid) ?? `invalid value for "${fieldLabel(path)}"`;
      return [problemAt(source, path, message, { found: describeValue(value), expected })];
    }
  }
}

function expectedOf(schema: z.ZodType): string | undefined {
  const hint = hints.get(schema);
  if (hint) return hint.expected;
  if (schema instanceof z.ZodObject) return `a map with ${Object.keys(schema.shape).join(', ')}`;
  if (schema instanceof z.ZodArray) return 'a list';
  return undefined;
}

/** The field as a user names it: the last key with any list indexes after it, e.g. `steps[6]`. */
function fieldLabel(path: FieldPath): string {
  const lastKey = path.findLastIndex((s) => typeof s === 'string');
  return lastKey < 0 ? 'document' : formatPath(path.slice(lastKey));
}

function stringParam(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** The schema that validates the value at `path` (through optional, object, record and array). */
function schemaAt(root: z.ZodType, path: FieldPath): z.ZodType | undefined {
  let schema: z.ZodType | undefined = unwrap(root);
  for (const segment of path) {
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)];
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return undefined;
    schema = schema && unwrap(schema);
  }
  return schema;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path ?? ''}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
