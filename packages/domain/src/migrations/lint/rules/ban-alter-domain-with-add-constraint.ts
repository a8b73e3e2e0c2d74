import { bodyOf, list, names, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding } from '../rule-kit.js';

const ID = 'ban-alter-domain-with-add-constraint';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'ALTER DOMAIN … ADD CONSTRAINT re-checks every column that uses the domain while blocking writes',
  check(statement) {
    const alter = bodyOf(statement.node, 'AlterDomainStmt');
    if (alter === undefined || str(alter, 'subtype') !== 'C') return [];
    const name = names(list(alter, 'typeName')).join('.');
    return [
      finding(
        ID,
        `ALTER DOMAIN ${name} ADD CONSTRAINT scans every table column of type ${name} and blocks writes to those tables`,
        `-- add the CHECK to each table column instead, in two steps:\nALTER TABLE t ADD CONSTRAINT c CHECK (…) NOT VALID;\n-- separate transaction:\nALTER TABLE t VALIDATE CONSTRAINT c;`,
      ),
    ];
  },
};
