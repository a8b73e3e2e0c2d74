import { formatProblem } from '@sluice/domain';
import type { Problem } from '@sluice/domain';

/** One `file:line:col: path: message (found X; expected Y)` line per problem, for terminals and logs. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}
