import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SluiceError } from '../errors.js';
import {
  evaluateCondition,
  judgeThreshold,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  parseCondition,
  type ConditionVars,
  type ThresholdOptions,
} from './threshold.js';

// The case file is plain JSON (tsconfig has no resolveJsonModule), so NaN and ±Infinity are written as
// the strings "NaN", "Infinity" and "-Infinity".
interface Case {
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly options?: ThresholdOptions;
  readonly expect: { readonly outcome?: string; readonly rule?: string; readonly reason?: string; readonly reasonIncludes?: string; readonly throws?: string };
}

const decode = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));
const vars = (input: Case['input']): ConditionVars =>
  Object.fromEntries(Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? v.map(decode) : decode(v)]));
const cases = JSON.parse(readFileSync(new URL('./cases/threshold.json', import.meta.url), 'utf8')) as Case[];

test('threshold case file', () => assert.ok(cases.length >= 25, `only ${cases.length} cases`));

for (const c of cases) {
  test(`judgeThreshold: ${c.name}`, () => {
    const run = (): ReturnType<typeof judgeThreshold> => judgeThreshold(vars(c.input), c.options ?? {});
    if (c.expect.throws !== undefined) {
      const expected = c.expect.throws;
      assert.throws(run, (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_SPEC' && e.message.includes(expected));
      return;
    }
    const verdict = run();
    assert.equal(verdict.outcome, c.expect.outcome);
    assert.equal(verdict.rule, c.expect.rule ?? 'threshold');
    if (c.expect.reason !== undefined) assert.equal(verdict.reason, c.expect.reason);
    if (c.expect.reasonIncludes !== undefined) assert.ok(verdict.reason.includes(c.expect.reasonIncludes), verdict.reason);
  });
}

/** [condition, exact message] for texts that must not parse. */
const PARSE_ERRORS: readonly (readonly [string, string])[] = [
  ['result < ', 'condition "result < " column 10: expected a number, a name or "(" but found the end'],
  ['', 'condition "" column 1: expected a number, a name or "(" but found the end'],
  ['   ', 'condition "   " column 4: expected a number, a name or "(" but found the end'],
  [')', 'condition ")" column 1: expected a number, a name or "(" but found ")"'],
  ['1 +', 'condition "1 +" column 4: expected a number, a name or "(" but found the end'],
  ['result < 1 result', 'condition "result < 1 result" column 12: expected an operator or the end but found "result"'],
  ['(result < 1', 'condition "(result < 1" column 12: expected an operator or ")" but found the end'],
  ['result[0 + 1', 'condition "result[0 + 1" column 13: expected an operator or "]" but found the end'],
  ['max(result, 1 + 2', 'condition "max(result, 1 + 2" column 18: expected an operator, "," or ")" but found the end'],
  ['a < b < c', 'condition "a < b < c" column 7: expected "&&" or "||" between two comparisons but found "<"'],
  ['1 < 2 == 3 < 4', 'condition "1 < 2 == 3 < 4" column 7: expected "&&" or "||" between two comparisons but found "=="'],
  ['result = 1', 'condition "result = 1" column 8: expected "==" but found "="'],
  ['result < 1 & result > 0', 'condition "result < 1 & result > 0" column 12: expected "&&" but found "&"'],
  ['result < 1 | result > 0', 'condition "result < 1 | result > 0" column 12: expected "||" but found "|"'],
  ['result $ 1', 'condition "result $ 1" column 8: expected a number, a name, an operator or a parenthesis but found "$"'],
  ['result < "1"', 'condition "result < "1"" column 10: expected a number, a name, an operator or a parenthesis but found """'],
  ['1__0 < 1', 'condition "1__0 < 1" column 3: expected a digit after "_" but found "_"'],
  ['1_ < 2', 'condition "1_ < 2" column 3: expected a digit after "_" but found " "'],
  ['1. < 2', 'condition "1. < 2" column 3: expected a digit after "." but found " "'],
  ['1e < 2', 'condition "1e < 2" column 3: expected digits in the exponent but found " "'],
  ['result < 1e+', 'condition "result < 1e+" column 13: expected digits in the exponent but found the end'],
  ['1.2.3 < 1', 'condition "1.2.3 < 1" column 4: expected an operator or the end but found ".3"'],
  ['. < 1', 'condition ". < 1" column 1: expected a number, a name, an operator or a parenthesis but found "."'],
  ['foo(1) < 2', 'condition "foo(1) < 2" column 1: expected a function (abs, min, max, isNaN, default, len) but found "foo"'],
  ['constructor(1) < 2', 'condition "constructor(1) < 2" column 1: expected a function (abs, min, max, isNaN, default, len) but found "constructor"'],
  ['default(result) < 1', 'condition "default(result) < 1" column 1: expected 2 arguments for default but found 1'],
  ['abs(1, 2) < 3', 'condition "abs(1, 2) < 3" column 1: expected 1 argument for abs but found 2'],
  ['min() < 1', 'condition "min() < 1" column 1: expected 1 to 99 arguments for min but found 0'],
  ['result', 'condition "result" column 1: expected true or false (a comparison such as result < 1) but found a number'],
  ['result + 1', 'condition "result + 1" column 1: expected true or false (a comparison such as result < 1) but found a number'],
  ['!result', 'condition "!result" column 2: expected true or false (a comparison such as result < 1) but found a number'],
  ['not result > 1', 'condition "not result > 1" column 5: expected true or false (a comparison such as result < 1) but found a number'],
  ['result > 1 && 2', 'condition "result > 1 && 2" column 15: expected true or false (a comparison such as result < 1) but found a number'],
  ['result + (1 < 2) > 0', 'condition "result + (1 < 2) > 0" column 11: expected a number but found a true/false value'],
  ['-(1 < 2) < 0', 'condition "-(1 < 2) < 0" column 3: expected a number but found a true/false value'],
  ['abs(1 < 2) < 0', 'condition "abs(1 < 2) < 0" column 5: expected a number but found a true/false value'],
  ['result[0][1] < 1', 'condition "result[0][1] < 1" column 10: expected a list (a variable) before "[" but found "["'],
  ['5[0] < 1', 'condition "5[0] < 1" column 2: expected a list (a variable) before "[" but found "["'],
  ['result < 1; process.exit()', 'condition "result < 1; process.exit()" column 11: expected a number, a name, an operator or a parenthesis but found ";"'],
  ['this.constructor < 1', 'condition "this.constructor < 1" column 5: expected a number, a name, an operator or a parenthesis but found "."'],
  ['result < 1 😀', 'condition "result < 1 😀" column 12: expected a number, a name, an operator or a parenthesis but found "😀"'],
];

test('parse errors name the column, what was expected and what was found', () => {
  for (const [text, message] of PARSE_ERRORS) {
    assert.throws(
      () => parseCondition(text),
      (e: unknown) => {
        assert.ok(e instanceof SluiceError, text);
        assert.equal(e.code, 'INVALID_SPEC', text);
        assert.equal(e.message, message, text);
        return true;
      },
    );
  }
});

test('parse errors carry the column, found and expected as a problem', () => {
  const error = (() => {
    try {
      parseCondition('result < ');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof SluiceError);
  assert.deepEqual(error.problems, [{ message: 'invalid condition', col: 10, expected: 'a number, a name or "("', found: 'the end' }]);
  assert.deepEqual(error.details, { condition: 'result < ', column: 10 });
});

const holds = (text: string, v: ConditionVars = {}): boolean => evaluateCondition(parseCondition(text), v);

test('operator precedence and associativity', () => {
  assert.equal(holds('1 + 2 * 3 == 7'), true);
  assert.equal(holds('(1 + 2) * 3 == 9'), true);
  assert.equal(holds('10 - 4 - 3 == 3'), true, '- is left-associative');
  assert.equal(holds('64 / 4 / 2 == 8'), true, '/ is left-associative');
  assert.equal(holds('2 * 7 % 4 == 2'), true, '* and % are left-associative at one level');
  assert.equal(holds('1 + 7 % 4 == 4'), true, '% binds tighter than +');
  assert.equal(holds('10 - 2 * 3 == 4'), true, '* binds tighter than -');
  assert.equal(holds('-2 * -3 == 6'), true);
  assert.equal(holds('- - 2 == 2'), true);
  assert.equal(holds('1 - -1 == 2'), true);
  assert.equal(holds('1 < 2 + 3 * 0'), true, 'arithmetic binds tighter than comparison');
  assert.equal(holds('1 > 0 || 1 > 2 && 1 > 3'), true, '&& binds tighter than ||');
  assert.equal(holds('(1 > 0 || 1 > 2) && 1 > 3'), false);
  assert.equal(holds('!(1 > 2) && 2 > 1'), true);
});

test('numbers: decimals, exponents, underscores, leading dot', () => {
  assert.equal(holds('1_000 == 1000'), true);
  assert.equal(holds('1e-3 == 0.001'), true);
  assert.equal(holds('1.5E+3 == 1500'), true);
  assert.equal(holds('.5 == 0.5'), true);
  assert.equal(holds('0.1 + 0.2 != 0.3'), true, 'IEEE 754 doubles, as in Go');
  assert.equal(holds('1 / 0 > 1e308'), true);
});

test('functions', () => {
  const v = { result: [3, 1, 2], x: -4, nan: NaN };
  assert.equal(holds('abs(x) == 4', v), true);
  assert.equal(holds('min(result) == 1 && max(result) == 3', v), true);
  assert.equal(holds('min(result, 0.5, x) == -4 && max(7, result) == 7', v), true);
  assert.equal(holds('len(result) == 3', v), true);
  assert.equal(holds('isNaN(nan) && !isNaN(x)', v), true);
  assert.equal(holds('default(result[7], 9) == 9 && default(nan, 2) == 2 && default(x, 2) == -4', v), true);
  assert.equal(holds('default(missing, 5) == 5', v), true);
  assert.equal(holds('len(default(missing, result)) == 3', v), true);
  assert.equal(holds('isNaN(result[0]) == isNaN(x)', v), true, '== compares two true/false values');
  assert.equal(holds('nan == nan', v), false, 'NaN is not equal to itself');
});

test('&& and || short-circuit, so a guard protects an index', () => {
  assert.equal(holds('len(result) > 0 && result[0] > 1', { result: [] }), false);
  assert.equal(holds('len(result) == 0 || result[0] > 1', { result: [] }), true);
});

test('evaluation errors name the variable and say whether it is missing', () => {
  const cases: readonly (readonly [string, ConditionVars, string, boolean])[] = [
    ['latency < 1', { result: 1 }, 'condition "latency < 1": unknown variable "latency"', true],
    ['result[3] < 1', { result: [1, 2, 3] }, 'condition "result[3] < 1": index 3 is out of range for "result" (3 values)', true],
    ['result[-4] < 1', { result: [1, 2, 3] }, 'condition "result[-4] < 1": index -4 is out of range for "result" (3 values)', true],
    ['result[0.5] < 1', { result: [1, 2, 3] }, 'condition "result[0.5] < 1": index 0.5 into "result" is not a whole number', false],
    ['result[0] < 1', { result: 1 }, 'condition "result[0] < 1": "result" is a number, not a list, so it cannot be indexed', false],
    ['len(result) > 0', { result: 1 }, 'condition "len(result) > 0": len needs a list but "result" is a number', false],
    ['min(result) > 0', { result: [] }, 'condition "min(result) > 0": min of an empty list', true],
    ['result < 1', { result: [1, 2] }, 'condition "result < 1": "result" must be a number but is a list of 2 values; use result[0], len(result), min(result) or max(result)', false],
  ];
  for (const [text, v, message, missing] of cases) {
    assert.throws(
      () => holds(text, v),
      (e: unknown) => {
        assert.ok(e instanceof SluiceError, text);
        assert.equal(e.code, 'INVALID_SPEC');
        assert.equal(e.message, message);
        assert.equal(e.details['missing'], missing, text);
        return true;
      },
    );
  }
});

test('names are looked up only among the caller’s own variables', () => {
  for (const name of ['constructor', '__proto__', 'process', 'toString', 'hasOwnProperty', 'globalThis', 'valueOf']) {
    assert.throws(() => holds(`${name} == 0`, { result: 1 }), new RegExp(`unknown variable "${name}"`), name);
  }
  const withProto = JSON.parse('{"__proto__": 0.5}') as ConditionVars;
  assert.equal(holds('__proto__ < 1', withProto), true, 'an own property named __proto__ is a variable like any other');
  assert.deepEqual(parseCondition('canary - baseline > 0.01 && default(x, 0) < 1').names, ['canary', 'baseline', 'x']);
});

test('values that are not numbers are rejected at evaluation', () => {
  const bad = { result: 'abc' } as unknown as ConditionVars;
  assert.throws(() => holds('result < 1', bad), /variable "result" is not a number or a list of numbers/);
});

test(`length limit is ${MAX_CONDITION_LENGTH} characters`, () => {
  const exact = `result < 1${' '.repeat(MAX_CONDITION_LENGTH - 10)}`;
  assert.equal(exact.length, MAX_CONDITION_LENGTH);
  assert.equal(holds(exact, { result: 0 }), true);
  const long = `${exact} `;
  assert.throws(() => parseCondition(long), (e: unknown) => {
    assert.ok(e instanceof SluiceError);
    assert.match(e.message, /column 1025: expected at most 1024 characters but found 1025 characters$/);
    assert.ok(e.message.startsWith('condition "result < 1'), 'the condition is quoted, shortened');
    assert.ok(e.message.length < 200);
    return true;
  });
});

test(`nesting limit is ${MAX_CONDITION_DEPTH} levels`, () => {
  const nested = (depth: number): string => `${'('.repeat(depth)}result${')'.repeat(depth)} < 1`;
  assert.equal(holds(nested(MAX_CONDITION_DEPTH), { result: 0 }), true);
  assert.throws(() => parseCondition(nested(MAX_CONDITION_DEPTH + 1)), {
    message: `condition "${nested(MAX_CONDITION_DEPTH + 1)}" column ${MAX_CONDITION_DEPTH + 1}: expected at most 32 levels of nesting but found "("`,
  });
  assert.throws(() => parseCondition(`${'-'.repeat(MAX_CONDITION_DEPTH + 1)}1 < 0`), /column 33: expected at most 32 levels of nesting but found "-"/);
  assert.throws(() => parseCondition(`${'abs('.repeat(40)}1${')'.repeat(40)} < 0`), /expected at most 32 levels of nesting/);
  assert.equal(holds(`${'!'.repeat(MAX_CONDITION_DEPTH - 1)}(1 < 0)`), true, '31 negations and a parenthesis are 32 levels');
  assert.equal(holds(`${Array.from({ length: 200 }, () => 'r').join(' + ')} == 200`, { r: 1 }), true, 'long flat chains are not nesting');
});

test('a parsed condition can be reused and passed to the judge', () => {
  const failure = parseCondition('result > 0.05');
  assert.equal(judgeThreshold({ result: 0.1 }, { failureCondition: failure }).outcome, 'fail');
  assert.equal(judgeThreshold({ result: 0.01 }, { failureCondition: failure }).outcome, 'pass');
});
