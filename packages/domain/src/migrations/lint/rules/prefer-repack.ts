import { bodyOf, displayRelation, field, hasOption, list } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding } from '../rule-kit.js';

const ID = 'prefer-repack';
const FIX = `-- rewrite the table without the ACCESS EXCLUSIVE lock:
-- PostgreSQL 19+: REPACK (CONCURRENTLY) <table>;  older: the pg_repack extension (pg_repack --table <table>)`;

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock',
  check(statement) {
    const vacuum = bodyOf(statement.node, 'VacuumStmt');
    if (vacuum !== undefined && hasOption(vacuum, 'options', 'full')) {
      const tables = list(vacuum, 'rels').map((r) => displayRelation((bodyOf(r, 'VacuumRelation') ?? {})['relation']) ?? '?');
      const what = tables.length > 0 ? `table ${tables.join(', ')}` : 'every table of the database';
      return [finding(ID, `VACUUM FULL rewrites ${what} under an ACCESS EXCLUSIVE lock: all reads and writes wait`, FIX)];
    }
    const cluster = bodyOf(statement.node, 'ClusterStmt');
    if (cluster !== undefined) {
      const table = displayRelation(field(cluster, 'relation'));
      const what = table === undefined ? 'every clustered table' : `table ${table}`;
      return [finding(ID, `CLUSTER rewrites ${what} under an ACCESS EXCLUSIVE lock: all reads and writes wait`, FIX)];
    }
    return [];
  },
};
