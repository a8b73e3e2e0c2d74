import { columnConstraints, columnDefOf, constraintOf, constraintType, list, names, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding } from '../rule-kit.js';

const ID = 'adding-serial-primary-key-field';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock; build it CONCURRENTLY and add USING INDEX',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    const table = alter.display;
    return alter.cmds.flatMap((c) => {
      const constraints = c.subtype === 'AT_AddConstraint' ? [constraintOf(c.def)] : c.subtype === 'AT_AddColumn' ? columnConstraints(columnDefOf(c.def)) : [];
      return constraints
        .filter((p) => constraintType(p) === 'PRIMARY' && str(p, 'indexname') === undefined)
        .map((p) => {
          const cols = names(list(p, 'keys'));
          const colText = cols.length > 0 ? cols.join(', ') : (str(columnDefOf(c.def), 'colname') ?? '<column>');
          const name = str(p, 'conname') ?? `${alter.table.split('.').pop() ?? 't'}_pkey`;
          return finding(
            ID,
            `adding PRIMARY KEY (${colText}) to ${table} builds the index (and checks NOT NULL) under an ACCESS EXCLUSIVE lock: all reads and writes wait`,
            `CREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${table} (${colText});\n-- outside BEGIN … COMMIT; the column(s) must already be NOT NULL (see adding-not-nullable-field); then:\nALTER TABLE ${table} ADD CONSTRAINT ${name} PRIMARY KEY USING INDEX ${name};`,
          );
        });
    });
  },
};
