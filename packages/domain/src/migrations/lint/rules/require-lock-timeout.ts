import type { ClassifiedLintRule } from '../classified-rule.js';
import { finding } from '../rule-kit.js';
import { firstLockTaking } from '../lock-taking.js';

const ID = 'require-lock-timeout';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'warning',
  description: 'lock-taking DDL needs SET lock_timeout first, or it queues behind a long transaction and blocks everything after it',
  check(statement, context) {
    if (context.lockTimeoutBefore(statement.index) || !firstLockTaking(statement, context)) return [];
    return [
      finding(
        ID,
        'this is the first statement that takes a table lock and no lock_timeout is set: while it waits behind a long-running transaction, every query on the table queues behind it',
        "SET lock_timeout = '2s';  -- at the top of the file; retry the migration on timeout",
        'warning',
      ),
    ];
  },
};
