import { bodyOf, bool, displayRelation, field, statementRelation } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding, sqlOf } from '../rule-kit.js';

const ID = 'require-concurrent-index-creation';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'CREATE INDEX without CONCURRENTLY on an existing table blocks writes while the index builds',
  check(statement, context) {
    const index = bodyOf(statement.node, 'IndexStmt');
    const table = statementRelation(index);
    if (index === undefined || table === undefined || bool(index, 'concurrent')) return [];
    if (context.createdBefore(statement.index, table)) return [];
    const rewrite = sqlOf(statement).replace(/^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX)\b/i, '$1 CONCURRENTLY');
    return [
      finding(
        ID,
        `CREATE INDEX on table ${displayRelation(field(index, 'relation')) ?? table} takes a SHARE lock: every INSERT, UPDATE and DELETE waits until the index is built`,
        `${rewrite};\n-- run it outside BEGIN … COMMIT (CONCURRENTLY cannot run in a transaction); if it fails, DROP INDEX CONCURRENTLY the INVALID index and retry`,
      ),
    ];
  },
};
