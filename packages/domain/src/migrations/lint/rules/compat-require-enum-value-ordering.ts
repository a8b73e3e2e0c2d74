import type { LintRule } from '../lint-rule.js';
import { asString, finding, qualifiedName, stmtOf } from './compat-ast.js';

const ID = 'require-enum-value-ordering';

export const rule: LintRule = {
  id: ID,
  description: 'ALTER TYPE … ADD VALUE without BEFORE/AFTER appends the value, which changes meaningful enum order.',
  check(statement) {
    const alter = stmtOf(statement, 'AlterEnumStmt');
    if (!alter || alter['oldVal'] !== undefined) return [];
    const value = asString(alter['newVal']);
    if (value === undefined || alter['newValNeighbor'] !== undefined) return [];
    const type = qualifiedName(alter['typeName']);
    const literal = `'${value.replace(/'/g, "''")}'`;
    return [
      finding(
        ID,
        'expand',
        'warning',
        `Adding value ${literal} to enum ${type} without BEFORE or AFTER appends it last; comparisons and ORDER BY on ${type} follow declaration order.`,
        `Say where it goes: ALTER TYPE ${type} ADD VALUE IF NOT EXISTS ${literal} BEFORE '<existing value>'; (or AFTER '<existing value>').`,
      ),
    ];
  },
};
