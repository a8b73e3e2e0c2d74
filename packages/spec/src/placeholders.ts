import { BUILTIN_ARGS, isSluiceError, parseCondition } from '@sluice/domain';
import type { ParsedCondition } from '@sluice/domain';

/**
 * `{{...}}` placeholders in queries and conditions. A template's own argument is written
 * `{{args.NAME}}`; a built-in one (BUILTIN_ARGS) `{{service}}` or `{{args.service}}`. The control
 * plane fills them in when it runs a query (its resolveTemplate allows spaces inside the braces too).
 */
const PLACEHOLDER = /\{\{(.*?)\}\}/g;
const PLAIN = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const ARG = /^\s*args\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/** An argument name: a letter or "_", then letters, digits and "_". */
export const ARG_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isBuiltinArg(name: string): boolean {
  return (BUILTIN_ARGS as readonly string[]).includes(name);
}

/** A placeholder that names neither a declared argument nor a built-in one, with what to write instead. */
export interface PlaceholderProblem {
  /** As written, e.g. `{{args.maxErrorRat}}`. */
  readonly placeholder: string;
  readonly message: string;
  readonly expected: string;
}

/** The placeholders of `text` that `declared` (the template's argument names) and BUILTIN_ARGS do not cover. */
export function unknownPlaceholders(text: string, declared: readonly string[]): PlaceholderProblem[] {
  const problems: PlaceholderProblem[] = [];
  const known = [...declared.map((d) => `{{args.${d}}}`), ...BUILTIN_ARGS.map((b) => `{{${b}}}`)];
  const expected =
    declared.length === 0
      ? `a built-in placeholder: ${known.join(', ')}`
      : `a declared argument or a built-in placeholder: ${known.join(', ')}`;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [placeholder, inner = ''] = match;
    const arg = ARG.exec(inner)?.[1];
    const plain = PLAIN.exec(inner)?.[1];
    if (arg !== undefined && (declared.includes(arg) || isBuiltinArg(arg))) continue;
    if (plain !== undefined && isBuiltinArg(plain)) continue;
    if (plain !== undefined && declared.includes(plain)) {
      problems.push({ placeholder, message: `placeholder "${placeholder}" must name the argument as args.${plain}`, expected: `{{args.${plain}}}` });
      continue;
    }
    const what = arg ?? plain;
    const message =
      what === undefined ? `placeholder "${placeholder}" is not an argument name` : `placeholder "${placeholder}" names no declared or built-in argument "${what}"`;
    problems.push({ placeholder, message, expected });
  }
  return problems;
}

/**
 * The text with every placeholder replaced by `0` padded with spaces to the same length, so that
 * parseCondition accepts `result < {{args.max}}` and its columns still match what the user wrote.
 */
export function withoutPlaceholders(text: string): string {
  return text.replace(PLACEHOLDER, (placeholder) => `0${' '.repeat(placeholder.length - 1)}`);
}

/** What is wrong with a condition, in the terms of a Problem; undefined when it parses. */
export interface ConditionProblem {
  readonly message: string;
  readonly found?: string;
  readonly expected?: string;
}

/**
 * Parses a condition, with its placeholders read as numbers unless `placeholders` is false. Returns the
 * parsed condition, or the problem (with the column inside the condition) when parseCondition rejects it.
 */
export function checkCondition(text: string, placeholders = true): { readonly parsed: ParsedCondition } | { readonly problem: ConditionProblem } {
  try {
    return { parsed: parseCondition(placeholders ? withoutPlaceholders(text) : text) };
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    const detail = error.problems[0];
    const column = detail?.col === undefined ? '' : ` at column ${detail.col}`;
    return {
      problem: {
        message: `invalid condition${column}`,
        ...(detail?.found === undefined ? {} : { found: detail.found }),
        ...(detail?.expected === undefined ? {} : { expected: detail.expected }),
      },
    };
  }
}
