import type { Problem } from '@sluice/domain';
import { problemAt } from './problem-at.js';
import type { DocumentSource, FieldPath } from './source-map.js';

/**
 * Checks of a Rollout's `migration` section and its `contract` step that need more than one field:
 * columnChange or hand-written SQL (not both), down with expand, a backfill that says what to copy,
 * a canary strategy, and exactly one contract step standing after `setWeight: 100`. Runs on
 * unvalidated data, reading only fields of the right type, so these join the schema problems.
 */
export function migrationProblems(source: DocumentSource, spec: unknown): Problem[] {
  const migration = field(spec, 'migration');
  const strategy = field(spec, 'strategy');
  const steps = list(field(field(strategy, 'canary'), 'steps'));
  const contractAt = steps.flatMap((s, i) => (field(s, 'contract') === undefined ? [] : [i]));
  if (!isMap(migration)) {
    return contractAt.map((i) => problemAt(source, stepPath(i), 'a contract step needs the rollout\'s migration', { expected: 'spec.migration with contract SQL (or a columnChange), or no contract step' }));
  }
  const problems: Problem[] = [];
  const at = (path: FieldPath, message: string, expected: string) => problems.push(problemAt(source, ['spec', 'migration', ...path], message, { expected }));
  if (isMap(strategy) && strategy['canary'] === undefined) {
    problems.push(problemAt(source, ['spec', 'strategy'], 'a migration runs with a canary strategy only', { expected: 'strategy.canary (blueGreen, waves and rolling do not tie migrations to their phases yet)' }));
  }
  const generated = isMap(migration['columnChange']);
  if (generated) problems.push(...sameColumnProblems(source, migration['columnChange']));
  if (generated) {
    for (const key of ['expand', 'down', 'contract'] as const) {
      if (migration[key] !== undefined) at([key], `${key} is generated from columnChange`, 'either columnChange or expand/down/contract SQL, not both');
    }
  } else if (migration['expand'] === undefined) {
    at([], 'a migration needs columnChange or expand SQL', 'columnChange: { table, from, to, type }, or expand and down');
  } else if (migration['down'] === undefined) {
    at(['expand'], 'expand needs down SQL that undoes it', 'down: SQL run if the rollout rolls back before contract (idempotent: IF EXISTS)');
  }
  problems.push(...backfillProblems(source, migration['backfill'], generated));
  const hasContract = generated || migration['contract'] !== undefined;
  problems.push(...contractStepProblems(source, steps, contractAt, hasContract));
  return problems;
}

/** from and to naming one column would make contract (and down) drop the column both versions use. */
function sameColumnProblems(source: DocumentSource, change: unknown): Problem[] {
  const from = field(change, 'from');
  const to = field(change, 'to');
  const plain = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase());
  if (typeof from !== 'string' || typeof to !== 'string' || plain(from) !== plain(to)) return [];
  return [problemAt(source, ['spec', 'migration', 'columnChange', 'to'], `from and to name the same column "${plain(to)}": contract would drop it`, { expected: 'a new column name for to (a rename or a type change goes to a new column)' })];
}

function backfillProblems(source: DocumentSource, backfill: unknown, generated: boolean): Problem[] {
  if (!isMap(backfill)) return [];
  const fields = ['table', 'set', 'where'] as const;
  if (generated) {
    return fields
      .filter((k) => backfill[k] !== undefined)
      .map((k) => problemAt(source, ['spec', 'migration', 'backfill', k], `backfill.${k} is generated from columnChange`, { expected: 'only batchSize, pause and before with a columnChange' }));
  }
  const missing = fields.filter((k) => backfill[k] === undefined);
  if (missing.length === 0) return [];
  return [problemAt(source, ['spec', 'migration', 'backfill'], `backfill needs ${missing.join(', ')}`, { expected: 'table, set and where, e.g. { table: orders, set: "total_cents = total * 100", where: "total_cents IS NULL" }' })];
}

function contractStepProblems(source: DocumentSource, steps: readonly unknown[], contractAt: readonly number[], hasContract: boolean): Problem[] {
  if (!hasContract) {
    return contractAt.map((i) => problemAt(source, stepPath(i), 'a contract step needs contract SQL', { expected: 'spec.migration.contract (or a columnChange), or no contract step' }));
  }
  const [first, ...others] = contractAt;
  if (first === undefined) {
    return [problemAt(source, ['spec', 'strategy', 'canary', 'steps'], 'the migration has contract SQL but no contract step', { expected: 'a "- contract: {}" step after "- setWeight: 100"' })];
  }
  const problems = others.map((i) => problemAt(source, stepPath(i), 'only one contract step', { expected: 'a single contract step' }));
  const lastWeight = steps.slice(0, first).map((s) => field(s, 'setWeight')).filter((w) => w !== undefined).at(-1);
  if (lastWeight !== 100) {
    problems.push(problemAt(source, stepPath(first), 'contract runs only once the target serves 100 % of traffic', { expected: 'a "- setWeight: 100" step before the contract step' }));
  }
  const later = steps.slice(first + 1).findIndex((s) => field(s, 'setWeight') !== undefined || field(s, 'adaptive') !== undefined);
  if (later >= 0) {
    problems.push(problemAt(source, ['spec', 'strategy', 'canary', 'steps', first + 1 + later], 'no weight change after contract: the stable version can no longer serve', { expected: 'contract among the last steps, after setWeight: 100' }));
  }
  return problems;
}

const stepPath = (i: number): FieldPath => ['spec', 'strategy', 'canary', 'steps', i, 'contract'];

function field(value: unknown, key: string): unknown {
  return isMap(value) ? value[key] : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
