import type { Problem } from '@sluice/domain';
import { ARG_NAME_PATTERN, isBuiltinArg, unknownPlaceholders } from './placeholders.js';
import { describeValue, problemAt } from './problem-at.js';
import { MAX_PROBLEMS_PER_DOCUMENT } from './problems-from-issues.js';
import type { DocumentSource, FieldPath } from './source-map.js';

/**
 * Checks of AnalysisTemplate and Rollout documents that need more than one field: names unique in
 * their list (arguments, metrics, checklist items, guard conditions), every {{placeholder}} naming a
 * declared or built-in argument, and background analysis starting at an existing step. Like documentProblems
 * they run on unvalidated data, reading only fields of the right type, so they join the schema problems.
 */

/** Where a check (a metric or a verification) has text that may hold placeholders. */
const CHECK_TEXT_PATHS: readonly FieldPath[] = [
  ['query'],
  ['judge', 'threshold', 'successCondition'],
  ['judge', 'threshold', 'failureCondition'],
  ['judge', 'errorRate', 'requestsQuery'],
  ['judge', 'errorRate', 'errorsQuery'],
  ['judge', 'latency', 'referenceQuery'],
  ['judge', 'latency', 'aboveQuery'],
  ['judge', 'latency', 'requestsQuery'],
  ['judge', 'errorBurst', 'requestsQuery'],
  ['judge', 'errorBurst', 'errorsQuery'],
];

/** An AnalysisTemplate's `spec`: unique argument and metric names; placeholders name its arguments or built-in ones. */
export function templateProblems(source: DocumentSource, spec: unknown): Problem[] {
  const args = list(field(spec, 'args'));
  const metrics = list(field(spec, 'metrics'));
  // Only valid names count: a bad one has a problem of its own and is not offered as a placeholder.
  const names = args
    .map((arg) => field(arg, 'name'))
    .filter((name): name is string => typeof name === 'string' && ARG_NAME_PATTERN.test(name) && !isBuiltinArg(name));
  const declared = [...new Set(names)];
  const problems = [
    ...duplicateNames(source, args, ['spec', 'args'], 'argument'),
    ...duplicateNames(source, metrics, ['spec', 'metrics'], 'metric'),
    ...metrics.flatMap((metric, i) => placeholderProblems(source, metric, ['spec', 'metrics', i], declared)),
  ];
  return problems.slice(0, MAX_PROBLEMS_PER_DOCUMENT);
}

/**
 * A Rollout's `spec`: checklist item names unique per step, guard condition names unique, placeholders
 * of verifications, guard conditions and adaptive health checks built-in only (a rollout has no
 * arguments), and `canary.analysis.startingStep` at most the number of steps.
 */
export function rolloutAnalysisProblems(source: DocumentSource, spec: unknown): Problem[] {
  const canary = field(field(spec, 'strategy'), 'canary');
  const steps = field(canary, 'steps');
  const problems: Problem[] = [];
  list(steps).forEach((step, k) => {
    const base: FieldPath = ['spec', 'strategy', 'canary', 'steps', k, 'checklist', 'items'];
    const items = list(field(field(step, 'checklist'), 'items'));
    problems.push(...duplicateNames(source, items, base, 'item'));
    items.forEach((item, j) => {
      for (const check of ['verification', 'rollbackVerification']) {
        problems.push(...placeholderProblems(source, field(item, check), [...base, j, check], []));
      }
    });
    const healthy: FieldPath = ['spec', 'strategy', 'canary', 'steps', k, 'adaptive', 'healthy'];
    problems.push(...placeholderProblems(source, field(field(step, 'adaptive'), 'healthy'), healthy, []));
  });
  problems.push(...guardProblems(source, field(spec, 'guard')));
  const startingStep = field(field(canary, 'analysis'), 'startingStep');
  if (Array.isArray(steps) && steps.length > 0 && Number.isInteger(startingStep) && (startingStep as number) > steps.length) {
    problems.push(
      problemAt(source, ['spec', 'strategy', 'canary', 'analysis', 'startingStep'], `startingStep ${String(startingStep)} is past the last step`, {
        found: String(startingStep),
        expected: `a step number from 1 to ${steps.length} (steps are counted from 1)`,
      }),
    );
  }
  return problems.slice(0, MAX_PROBLEMS_PER_DOCUMENT);
}

/** `spec.guard`: condition names unique, placeholders built-in only. */
function guardProblems(source: DocumentSource, guard: unknown): Problem[] {
  const base: FieldPath = ['spec', 'guard', 'conditions'];
  const conditions = list(field(guard, 'conditions'));
  return [
    ...duplicateNames(source, conditions, base, 'condition'),
    ...conditions.flatMap((condition, i) => placeholderProblems(source, condition, [...base, i], [])),
  ];
}

/** The placeholders of a check's queries and conditions that name no declared or built-in argument. */
function placeholderProblems(source: DocumentSource, check: unknown, base: FieldPath, declared: readonly string[]): Problem[] {
  if (!isMap(check)) return [];
  return CHECK_TEXT_PATHS.flatMap((path) => {
    const text = path.reduce<unknown>((value, key) => field(value, String(key)), check);
    if (typeof text !== 'string') return [];
    return unknownPlaceholders(text, declared).map((p) =>
      problemAt(source, [...base, ...path], p.message, { found: describeValue(p.placeholder), expected: p.expected }),
    );
  });
}

/** Entries of a list whose `name` was already used by an earlier entry, reported at the later name. */
function duplicateNames(source: DocumentSource, entries: readonly unknown[], base: FieldPath, what: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const listName = String(base[base.length - 1]);
  entries.forEach((entry, i) => {
    const name = field(entry, 'name');
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, i);
      return;
    }
    problems.push(
      problemAt(source, [...base, i, 'name'], `duplicate ${what} "${name}": already used by ${listName}[${first}]`, {
        found: describeValue(name),
        expected: `each ${what} name once in ${listName}`,
      }),
    );
  });
  return problems;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function field(value: unknown, key: string): unknown {
  return isMap(value) ? value[key] : undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
