import { bodyOf, bool, displayRelation, field } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding, sqlOf } from '../rule-kit.js';

const ID = 'require-concurrent-partition-detach';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the parent table',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    return alter.cmds
      .filter((c) => c.subtype === 'AT_DetachPartition' && !bool(bodyOf(c.def, 'PartitionCmd'), 'concurrent'))
      .map((c) => {
        const part = displayRelation(field(bodyOf(c.def, 'PartitionCmd'), 'name')) ?? '?';
        return finding(
          ID,
          `DETACH PARTITION ${part} takes an ACCESS EXCLUSIVE lock on ${alter.display}: all queries on the parent wait`,
          `${sqlOf(statement).replace(/\s*$/, '')} CONCURRENTLY;\n-- PostgreSQL 14+, outside BEGIN … COMMIT${context.pgVersion < 14 ? ' (your target version is older: upgrade first)' : ''}`,
        );
      });
  },
};
