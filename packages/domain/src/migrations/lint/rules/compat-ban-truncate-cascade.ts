import type { LintRule } from '../lint-rule.js';
import { asList, finding, rangeVarName, stmtOf, unwrap } from './compat-ast.js';

const ID = 'ban-truncate-cascade';

export const rule: LintRule = {
  id: ID,
  description: 'TRUNCATE … CASCADE silently empties every table with a foreign key to the truncated ones.',
  check(statement) {
    const truncate = stmtOf(statement, 'TruncateStmt');
    if (truncate?.['behavior'] !== 'DROP_CASCADE') return [];
    const tables = asList(truncate['relations']).map((r) => rangeVarName(unwrap(r, 'RangeVar'))).join(', ');
    return [
      finding(
        ID,
        'unsafe',
        'error',
        `TRUNCATE ${tables} CASCADE also empties every table that references ${tables} by foreign key (and the ones referencing those), taking ACCESS EXCLUSIVE locks on all of them.`,
        `Name every table to empty explicitly: TRUNCATE ${tables}, <each referencing table>; (without CASCADE it fails instead of silently deleting more), or DELETE in batches.`,
      ),
    ];
  },
};
