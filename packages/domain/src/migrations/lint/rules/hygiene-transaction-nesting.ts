import type { LintRule } from '../lint-rule.js';
import { closesTransaction, finding, opensTransaction, transactionOpenBefore } from './compat-ast.js';

const ID = 'transaction-nesting';

export const rule: LintRule = {
  id: ID,
  description: 'BEGIN inside an open transaction (or COMMIT/ROLLBACK with none open) does not do what it says.',
  check(statement, context) {
    const open = transactionOpenBefore(context, statement.index);
    if (opensTransaction(statement) && open) {
      return [
        finding(
          ID,
          'expand',
          'warning',
          `${statement.text} inside a transaction that is already open: PostgreSQL ignores it with a warning, and the first COMMIT ends the outer transaction, so the statements after it are no longer atomic.`,
          'Remove the inner BEGIN (and its COMMIT); use SAVEPOINT name … RELEASE SAVEPOINT name for a nested unit.',
        ),
      ];
    }
    if (closesTransaction(statement) && !open) {
      return [
        finding(
          ID,
          'expand',
          'warning',
          `${statement.text} with no transaction open in this file: the statements before it already ran in autocommit, or the runner's own transaction ends here.`,
          'Remove it, or add the matching BEGIN where the unit of work starts.',
        ),
      ];
    }
    return [];
  },
};
