import type { LintRule } from '../lint-rule.js';
import { columnsOfType, finding } from './compat-ast.js';

const ID = 'prefer-timestamptz';

export const rule: LintRule = {
  id: ID,
  description: 'timestamp (without time zone) drops the UTC offset; prefer timestamptz.',
  check(statement) {
    return columnsOfType(statement, (t) => t.name === 'timestamp').map((c) =>
      finding(
        ID,
        'expand',
        'warning',
        `Column ${c.table}.${c.column} is timestamp without time zone: values lose their UTC offset and mean different instants to clients in different time zones.`,
        `Use timestamptz for ${c.column} (timestamp with time zone).`,
      ),
    );
  },
};
