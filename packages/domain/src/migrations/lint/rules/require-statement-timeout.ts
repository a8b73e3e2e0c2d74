import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding } from '../rule-kit.js';
import { firstLockTaking } from '../lock-taking.js';

const ID = 'require-statement-timeout';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'warning',
  description: 'lock-taking DDL should run under SET statement_timeout so a slow statement cannot hold its lock indefinitely',
  check(statement, context) {
    if (context.statementTimeoutBefore(statement.index) || !firstLockTaking(statement, context)) return [];
    return [
      finding(
        ID,
        'no statement_timeout is set before the first lock-taking statement: a slow scan or rewrite holds its lock for as long as it runs',
        "SET statement_timeout = '5min';  -- at the top of the file, sized to the largest table",
        'warning',
      ),
    ];
  },
};
