import { bodyOf, hasOption, statementRelation, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding, sqlOf } from '../rule-kit.js';

const ID = 'require-concurrent-reindex';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'REINDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index and blocks writes to the table',
  check(statement) {
    const reindex = bodyOf(statement.node, 'ReindexStmt');
    if (reindex === undefined || hasOption(reindex, 'params', 'concurrently')) return [];
    const what = (str(reindex, 'kind') ?? 'REINDEX_OBJECT').replace(/^REINDEX_OBJECT_/, '').toLowerCase();
    const target = statementRelation(reindex) ?? str(reindex, 'name') ?? '';
    const rewrite = sqlOf(statement).replace(/^(\s*REINDEX\s+(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE|SYSTEM))\b/i, '$1 CONCURRENTLY');
    return [
      finding(
        ID,
        `REINDEX ${what} ${target} locks out writes (and reads through the index) until it finishes`,
        `${rewrite};\n-- PostgreSQL 12+, outside BEGIN … COMMIT`,
      ),
    ];
  },
};
