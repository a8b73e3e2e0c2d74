import assert from 'node:assert/strict';
import { ErrorCode, formatProblem, isSluiceError } from '@sluice/domain';
import type { Problem } from '@sluice/domain';
import { parseResources } from '../parse-resources.js';

/** The problems parseResources throws for `text` (fails the test if it does not throw INVALID_SPEC). */
export function problemsOf(text: string, file = 'shop.yaml'): readonly Problem[] {
  try {
    parseResources(text, { file });
  } catch (error) {
    assert.ok(isSluiceError(error), `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.INVALID_SPEC);
    assert.equal(error.message, `${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in ${file}`);
    return error.problems;
  }
  return assert.fail('expected parseResources to throw INVALID_SPEC');
}

/** The one problem in `problems` (fails, listing them, if there are more or none). */
export function onlyProblem(problems: readonly Problem[]): Problem {
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map(formatProblem).join('\n')}`);
  return problems[0] as Problem;
}

export interface ExpectedProblem {
  readonly file?: string;
  readonly line: number;
  readonly col: number;
  /** undefined asserts that the problem has no path. */
  readonly path: string | undefined;
  readonly message: RegExp;
  readonly found?: string;
  readonly expected?: string | RegExp;
}

export function assertProblem(problem: Problem, want: ExpectedProblem): void {
  const text = formatProblem(problem);
  assert.equal(problem.file, want.file ?? 'shop.yaml', text);
  assert.equal(problem.line, want.line, text);
  assert.equal(problem.col, want.col, text);
  assert.equal(problem.path, want.path, text);
  assert.match(problem.message, want.message, text);
  if (want.found !== undefined) assert.equal(problem.found, want.found, text);
  if (typeof want.expected === 'string') assert.equal(problem.expected, want.expected, text);
  else if (want.expected) assert.match(problem.expected ?? '', want.expected, text);
}
