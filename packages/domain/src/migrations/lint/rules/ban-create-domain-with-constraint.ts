import { bodyOf, constraintOf, constraintType, list, names } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding } from '../rule-kit.js';

const ID = 'ban-create-domain-with-constraint';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'constraints on a domain cannot be changed online later: changing them re-checks every column of the domain',
  check(statement) {
    const domain = bodyOf(statement.node, 'CreateDomainStmt');
    if (domain === undefined) return [];
    const constrained = list(domain, 'constraints').some((c) => ['CHECK', 'NOTNULL'].includes(constraintType(constraintOf(c)) ?? ''));
    if (!constrained) return [];
    const name = names(list(domain, 'domainname')).join('.');
    return [
      finding(
        ID,
        `domain ${name} carries a constraint: changing it later re-checks every column of that type under locks that block writes`,
        `CREATE DOMAIN ${name} AS <type>;\n-- put the CHECK on each table column instead: ALTER TABLE t ADD CONSTRAINT c CHECK (…) NOT VALID; then VALIDATE CONSTRAINT c;`,
      ),
    ];
  },
};
