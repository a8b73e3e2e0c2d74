import { columnConstraints, columnDefOf, constraintOf, constraintType, list, names, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding } from '../rule-kit.js';

const ID = 'disallowed-unique-constraint';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'ADD UNIQUE builds its index under an ACCESS EXCLUSIVE lock; build it CONCURRENTLY and add USING INDEX',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    const table = alter.display;
    return alter.cmds.flatMap((c) => {
      const constraints = c.subtype === 'AT_AddConstraint' ? [constraintOf(c.def)] : c.subtype === 'AT_AddColumn' ? columnConstraints(columnDefOf(c.def)) : [];
      return constraints
        .filter((u) => constraintType(u) === 'UNIQUE' && str(u, 'indexname') === undefined)
        .map((u) => {
          const cols = names(list(u, 'keys'));
          const colText = cols.length > 0 ? cols.join(', ') : (str(columnDefOf(c.def), 'colname') ?? '<column>');
          const name = str(u, 'conname') ?? `${alter.table.split('.').pop() ?? 't'}_${colText.replace(/, /g, '_')}_key`;
          return finding(
            ID,
            `adding UNIQUE (${colText}) to ${table} builds the index under an ACCESS EXCLUSIVE lock: all reads and writes wait`,
            `CREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${table} (${colText});\n-- outside BEGIN … COMMIT; then (a quick catalog change):\nALTER TABLE ${table} ADD CONSTRAINT ${name} UNIQUE USING INDEX ${name};`,
          );
        });
    });
  },
};
