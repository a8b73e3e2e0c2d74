import type { LintRule } from '../lint-rule.js';
import { closesTransaction, finding, opensTransaction, transactionOpenBefore } from './compat-ast.js';

const ID = 'ban-uncommitted-transaction';

export const rule: LintRule = {
  id: ID,
  description: 'A BEGIN with no COMMIT by the end of the file leaves its changes uncommitted (rolled back when the session ends).',
  check(statement, context) {
    if (!opensTransaction(statement) || transactionOpenBefore(context, statement.index)) return [];
    const closed = context.statements.some((s) => s.index > statement.index && closesTransaction(s));
    if (closed) return [];
    return [
      finding(
        ID,
        'expand',
        'warning',
        `${statement.text} at statement ${statement.index + 1} is never committed: nothing after it in ${statement.file} runs COMMIT, so its changes are rolled back when the session ends.`,
        'Add COMMIT; at the end of the transaction (or remove the BEGIN and let the runner wrap the file).',
      ),
    ];
  },
};
