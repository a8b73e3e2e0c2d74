import type { LintRule } from '../lint-rule.js';
import { asString, finding, qualifiedName, stmtOf } from './compat-ast.js';

const ID = 'rename-enum-value';

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export const rule: LintRule = {
  id: ID,
  description: 'Renaming an enum value breaks the version still writing or comparing the old value.',
  check(statement) {
    const alter = stmtOf(statement, 'AlterEnumStmt');
    const oldVal = asString(alter?.['oldVal']);
    const newVal = asString(alter?.['newVal']);
    if (!alter || oldVal === undefined || newVal === undefined) return [];
    const type = qualifiedName(alter['typeName']);
    const from = literal(oldVal);
    const to = literal(newVal);
    return [
      finding(
        ID,
        'contract',
        'error',
        `Renaming value ${from} of enum ${type} to ${to} breaks the version still running: its INSERTs and comparisons with ${from} fail.`,
        [
          `(1) expand: ALTER TYPE ${type} ADD VALUE IF NOT EXISTS ${to} AFTER ${from};`,
          `(2) release a version that writes ${to} and reads both values;`,
          `(3) backfill: UPDATE <each table using ${type}> SET <column> = ${to} WHERE <column> = ${from}; in batches;`,
          `(4) contract, after the old version is gone: stop accepting ${from} (enum values cannot be dropped; recreate the type if it must go).`,
        ].join('\n'),
      ),
    ];
  },
};
