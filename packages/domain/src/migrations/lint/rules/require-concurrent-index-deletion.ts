import { bodyOf, bool, list, names, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding, sqlOf } from '../rule-kit.js';

const ID = 'require-concurrent-index-deletion';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table',
  check(statement) {
    const drop = bodyOf(statement.node, 'DropStmt');
    if (drop === undefined || str(drop, 'removeType') !== 'OBJECT_INDEX' || bool(drop, 'concurrent')) return [];
    const indexes = list(drop, 'objects').map((o) => names(list(bodyOf(o, 'List'), 'items')).join('.'));
    const rewrite = sqlOf(statement).replace(/^(\s*DROP\s+INDEX)\b/i, '$1 CONCURRENTLY');
    return [
      finding(
        ID,
        `DROP INDEX ${indexes.join(', ')} takes an ACCESS EXCLUSIVE lock on its table: all reads and writes wait`,
        `${rewrite};\n-- outside BEGIN … COMMIT, one index per statement`,
      ),
    ];
  },
};
