import type { LintRule } from '../lint-rule.js';
import { columnType, finding, newColumns, quoteIdent, rangeVarName } from './compat-ast.js';

const ID = 'add-column-json';

export const rule: LintRule = {
  id: ID,
  description: 'A json column has no equality operator (SELECT DISTINCT, UNION, GROUP BY fail on it); use jsonb.',
  check(statement) {
    return newColumns(statement)
      .filter((c) => columnType(c.def['typeName'])?.name === 'json')
      .map((c) => {
        const table = rangeVarName(c.table);
        const column = quoteIdent(c.name);
        return finding(
          ID,
          'expand',
          'warning',
          `Column ${table}.${column} is json: json has no equality operator, so SELECT DISTINCT, UNION and GROUP BY over ${table} rows fail, and every read reparses the text.`,
          `Use jsonb: ${c.inCreateTable ? `${column} jsonb in CREATE TABLE ${table}` : `ALTER TABLE ${table} ADD COLUMN ${column} jsonb;`}`,
        );
      });
  },
};
