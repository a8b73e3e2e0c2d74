import { isSluiceError, lintStatements, type LocatedFinding, type MigrationSpec, type Problem, type SqlStatement } from '@sluice/domain';
import type { ParsedResource } from '@sluice/spec';
import { parsePhaseSql } from './run-migration-sql.js';

/**
 * The check a migration rollout passes at apply, before anything is stored or runs: every phase's SQL
 * parses with PostgreSQL's parser, lints without an **unsafe** finding, and expand holds nothing that
 * breaks the stable version (a **contract** finding). Problems point at the SQL's line in the spec
 * file (inside the YAML string) with the rule, why, and the safe rewrite.
 */

type RolloutResource = ParsedResource & { kind: 'Rollout' };
type Phase = 'expand' | 'down' | 'contract';

/** The runner sets lock_timeout and statement_timeout on every transaction itself. */
const RUNNER_SETS = new Set(['require-lock-timeout', 'require-statement-timeout']);

export async function migrationGateProblems(resource: RolloutResource, env: Readonly<Record<string, string | undefined>>): Promise<Problem[]> {
  const migration = resource.spec.migration;
  if (migration === undefined) return [];
  const problems: Problem[] = [];
  if (!env[migration.databaseUrlEnv]) {
    problems.push(at(resource, ['spec', 'migration', 'database', 'urlFromEnv'], {
      message: `environment variable ${migration.databaseUrlEnv} is not set in the control plane`,
      expected: `${migration.databaseUrlEnv}=postgres://… in the environment of sluice server`,
    }));
  }
  for (const phase of ['expand', 'down', 'contract'] as const) {
    const sql = migration[phase];
    if (sql !== undefined && sql !== '') problems.push(...(await phaseProblems(resource, migration, phase, sql)));
  }
  return problems;
}

async function phaseProblems(resource: RolloutResource, migration: MigrationSpec, phase: Phase, sql: string): Promise<Problem[]> {
  const generated = migration.columnChange !== undefined;
  const path = generated ? ['spec', 'migration', 'columnChange'] : ['spec', 'migration', phase];
  let statements: SqlStatement[];
  try {
    statements = await parsePhaseSql(sql, phase);
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    return error.problems.map((p) => ({ ...p, ...position(resource, path, p.line ?? 1, p.col ?? 1, generated), path: path.join('.') }));
  }
  const findings = lintStatements(statements).findings.filter((f) => !RUNNER_SETS.has(f.rule) && blocks(phase, f));
  return findings.map((f) => ({
    ...position(resource, path, f.line, f.col, generated),
    path: path.join('.'),
    message: `${phase}: ${f.classification === 'unsafe' ? 'unsafe' : 'breaks the stable version'} [${f.rule}] ${f.message}`,
    found: f.statement.length > 200 ? `${f.statement.slice(0, 200)}…` : f.statement,
    expected: f.classification === 'contract' && phase === 'expand' ? `move it to contract (after promotion), or: ${f.fix}` : f.fix,
  }));
}

/** Unsafe findings block every phase; contract findings block expand only (contract and down are meant to break). */
function blocks(phase: Phase, finding: LocatedFinding): boolean {
  return finding.classification === 'unsafe' || (phase === 'expand' && finding.classification === 'contract');
}

/** The SQL position inside the YAML string: the string's first character plus the statement's line and column. */
function position(resource: RolloutResource, path: readonly string[], line: number, col: number, generated: boolean): Pick<Problem, 'file' | 'line' | 'col'> {
  const { source } = resource;
  const start = generated ? source.locate(path) : (source.locateContent?.(path) ?? source.locate(path));
  if (start === undefined) return { file: source.file };
  if (generated) return { file: source.file, line: start.line, col: start.col };
  // A block scalar's lines share the first line's indentation, so the column shifts the same on every line.
  return { file: source.file, line: start.line + line - 1, col: start.col + col - 1 };
}

function at(resource: RolloutResource, path: readonly string[], problem: Pick<Problem, 'message' | 'expected'>): Problem {
  const where = resource.source.locate(path);
  return { file: resource.source.file, ...(where ?? {}), path: path.join('.'), ...problem };
}
