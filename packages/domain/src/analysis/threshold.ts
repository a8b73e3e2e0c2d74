import { ErrorCode, SluiceError } from '../errors.js';
import type { Verdict } from './verdict.js';

/**
 * A small, safe expression language for judging one measurement against fixed limits, in the style of
 * Argo Rollouts' `successCondition` / `failureCondition` (research §1d). It is parsed into a tree and
 * interpreted; nothing is ever handed to `eval` or `Function`, and names are looked up only among the
 * caller's own variables (so `constructor`, `__proto__` or `process` are just unknown variables).
 *
 * Grammar, loosest binding first: `||`/`or`; `&&`/`and`; one comparison `< <= > >= == !=` (they do
 * not chain: write `a < b && b < c`); `+ -`; `* / %`; unary `-`, `!`/`not`; indexing `x[i]`; numbers,
 * names, calls `f(a, b)` and parentheses. Numbers: `12`, `0.5`, `.5`, `1e-3`, `1_000`. Functions: abs, min, max (of numbers and lists), isNaN,
 * default(x, fallback) (fallback when x is missing, NaN or out of range), len (of a list).
 * A negative index counts from the end, as in expr-lang: `result[-1]` is the last value.
 * Comparisons involving NaN are false (IEEE 754, like Go); use isNaN() or default() to say otherwise.
 */
export const MAX_CONDITION_LENGTH = 1024;
export const MAX_CONDITION_DEPTH = 32;

export type ConditionFunction = 'abs' | 'min' | 'max' | 'isNaN' | 'default' | 'len';
export type ConditionOperator = '||' | '&&' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '+' | '-' | '*' | '/' | '%';
interface Span { readonly col: number; readonly end: number }
export type ConditionNode = Span & (
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly target: ConditionNode; readonly index: ConditionNode }
  | { readonly kind: 'unary'; readonly op: '-' | '!'; readonly operand: ConditionNode }
  | { readonly kind: 'binary'; readonly op: ConditionOperator; readonly left: ConditionNode; readonly right: ConditionNode }
  | { readonly kind: 'call'; readonly fn: ConditionFunction; readonly args: readonly ConditionNode[] }
);

/** A parsed condition: the text it came from, its tree and the variable names it mentions. */
export interface ParsedCondition { readonly text: string; readonly root: ConditionNode; readonly names: readonly string[] }

export type ConditionVars = Readonly<Record<string, number | readonly number[]>>;

/** `text` is the normalised operator (`and` becomes `&&`); `src` is what the user wrote. */
type Token = { readonly type: 'number' | 'name' | 'op' | 'end'; readonly text: string; readonly src: string; readonly col: number; readonly value: number };
const END = (text: string): Token => ({ type: 'end', text: '', src: '', col: text.length + 1, value: 0 });
/** What a node yields, as far as the parser can tell: variables may hold a number or a list. */
type StaticType = 'number' | 'boolean' | 'value';

/** Each function's smallest and largest argument count. */
const FUNCTIONS: Readonly<Record<ConditionFunction, readonly [number, number]>> = { abs: [1, 1], min: [1, 99], max: [1, 99], isNaN: [1, 1], default: [2, 2], len: [1, 1] };
const WORDS: ReadonlyMap<string, string> = new Map([['and', '&&'], ['or', '||'], ['not', '!']]);
const TWO_CHAR = ['<=', '>=', '==', '!=', '&&', '||'];
const ONE_CHAR = '()[],+-*/%<>!';
const PRIMARY = 'a number, a name or "("';
const ANY_TOKEN = 'a number, a name, an operator or a parenthesis';
const BOOLEAN = 'true or false (a comparison such as result < 1)';

const quote = (text: string): string => (text.length > 80 ? `"${text.slice(0, 77)}…"` : `"${text}"`);

function syntaxError(text: string, col: number, expected: string, found: string): SluiceError {
  return new SluiceError(ErrorCode.INVALID_SPEC, `condition ${quote(text)} column ${col}: expected ${expected} but found ${found}`, {
    problems: [{ message: 'invalid condition', col, expected, found }],
    details: { condition: text, column: col },
  });
}

const NUMBER = /^(?:\d(?:_?\d)*(?:\.\d(?:_?\d)*)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/;

function readNumber(text: string, start: number): Token {
  const raw = NUMBER.exec(text.slice(start))?.[0] ?? '';
  const at = start + raw.length;
  const next = text[at];
  const bad = (expected: string, col: number): SluiceError =>
    syntaxError(text, col, expected, text[col - 1] === undefined ? 'the end' : `"${text[col - 1]}"`);
  if (raw === '') throw bad(ANY_TOKEN, start + 1);
  if (next === '_') throw bad('a digit after "_"', at + 2);
  if (next === '.' && !raw.includes('.')) throw bad('a digit after "."', at + 2);
  if (/[eE]/.test(next ?? '') && !/[eE]/.test(raw)) throw bad('digits in the exponent', at + (/[+-]/.test(text[at + 1] ?? '') ? 3 : 2));
  return { type: 'number', text: raw, src: raw, col: start + 1, value: Number(raw.replaceAll('_', '')) };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) { i += 1; continue; }
    const two = text.slice(i, i + 2);
    let token: Token;
    if (/[0-9.]/.test(ch)) token = readNumber(text, i);
    else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0] ?? ch;
      const op = WORDS.get(word);
      token = { type: op === undefined ? 'name' : 'op', text: op ?? word, src: word, col: i + 1, value: 0 };
    } else if (TWO_CHAR.includes(two)) token = { type: 'op', text: two, src: two, col: i + 1, value: 0 };
    else if (ONE_CHAR.includes(ch)) token = { type: 'op', text: ch, src: ch, col: i + 1, value: 0 };
    else {
      const found = `"${String.fromCodePoint(text.codePointAt(i) ?? 0)}"`;
      const expected = ch === '=' ? '"=="' : ch === '&' ? '"&&"' : ch === '|' ? '"||"' : ANY_TOKEN;
      throw syntaxError(text, i + 1, expected, found);
    }
    tokens.push(token);
    i += token.src.length;
  }
  return [...tokens, END(text)];
}

/** Recursive descent over the token list; every node records its static type for early type errors. */
class Parser {
  private pos = 0;
  private depth = 0;
  readonly names = new Set<string>();
  private readonly types = new WeakMap<ConditionNode, StaticType>();
  constructor(private readonly text: string, private readonly tokens: readonly Token[]) {}
  private peek = (): Token => this.tokens[this.pos] ?? END(this.text);
  private next = (): Token => this.tokens[this.pos++] ?? END(this.text);
  private fail = (token: Token, expected: string): never => {
    throw syntaxError(this.text, token.col, expected, token.type === 'end' ? 'the end' : `"${token.src}"`);
  };
  private isOp = (...ops: string[]): boolean => this.peek().type === 'op' && ops.includes(this.peek().text);
  private expectOp(op: string, expected: string): Token {
    if (!this.isOp(op)) this.fail(this.peek(), expected);
    return this.next();
  }
  private typed = (node: ConditionNode, type: StaticType): ConditionNode => (this.types.set(node, type), node);
  private typeOf = (node: ConditionNode): StaticType => this.types.get(node) ?? 'value';
  private binary = (op: ConditionOperator, left: ConditionNode, right: ConditionNode, type: StaticType): ConditionNode =>
    this.typed({ kind: 'binary', op, left, right, col: left.col, end: right.end }, type);
  /** Checks an operand's type: numbers (or lists) for arithmetic, true/false for logic. */
  private need(node: ConditionNode, want: 'number' | 'boolean'): void {
    const got = this.typeOf(node);
    if (want === 'boolean' && got !== 'boolean') throw syntaxError(this.text, node.col, BOOLEAN, 'a number');
    if (want === 'number' && got === 'boolean') throw syntaxError(this.text, node.col, 'a number', 'a true/false value');
  }
  private nest<T>(token: Token, inner: () => T): T {
    if (++this.depth > MAX_CONDITION_DEPTH) this.fail(token, `at most ${MAX_CONDITION_DEPTH} levels of nesting`);
    const result = inner();
    this.depth -= 1;
    return result;
  }

  parse(): ConditionNode {
    const root = this.or();
    if (this.peek().type !== 'end') this.fail(this.peek(), 'an operator or the end');
    this.need(root, 'boolean');
    return root;
  }

  private logical(op: '||' | '&&', next: () => ConditionNode): ConditionNode {
    let left = next();
    while (this.isOp(op)) {
      this.need(left, 'boolean');
      this.pos += 1;
      const right = next();
      this.need(right, 'boolean');
      left = this.binary(op, left, right, 'boolean');
    }
    return left;
  }
  private or = (): ConditionNode => this.logical('||', () => this.and());
  private and = (): ConditionNode => this.logical('&&', () => this.compare());
  private compare(): ConditionNode {
    const left = this.arithmetic(0);
    if (!this.isOp('<', '<=', '>', '>=', '==', '!=')) return left;
    const op = this.next().text as ConditionOperator;
    const right = this.arithmetic(0);
    const equality = op === '==' || op === '!=';
    if (!equality || this.typeOf(left) !== 'boolean' || this.typeOf(right) !== 'boolean') {
      this.need(left, 'number');
      this.need(right, 'number');
    }
    if (this.isOp('<', '<=', '>', '>=', '==', '!=')) this.fail(this.peek(), '"&&" or "||" between two comparisons');
    return this.binary(op, left, right, 'boolean');
  }
  /** level 0: + and -; level 1: *, / and %. */
  private arithmetic(level: 0 | 1): ConditionNode {
    const ops = level === 0 ? ['+', '-'] : ['*', '/', '%'];
    const next = (): ConditionNode => (level === 0 ? this.arithmetic(1) : this.unary());
    let left = next();
    while (this.isOp(...ops)) {
      const op = this.next().text as ConditionOperator;
      const right = next();
      this.need(left, 'number');
      this.need(right, 'number');
      left = this.binary(op, left, right, 'number');
    }
    return left;
  }
  private unary(): ConditionNode {
    const token = this.peek();
    if (!this.isOp('-', '!')) return this.postfix();
    this.pos += 1;
    const operand = this.nest(token, () => this.unary());
    const op = token.text as '-' | '!';
    this.need(operand, op === '-' ? 'number' : 'boolean');
    return this.typed({ kind: 'unary', op, operand, col: token.col, end: operand.end }, op === '-' ? 'number' : 'boolean');
  }
  private postfix(): ConditionNode {
    let node = this.primary();
    while (this.isOp('[')) {
      const open = this.peek();
      if (this.typeOf(node) !== 'value') this.fail(open, 'a list (a variable) before "["');
      this.pos += 1;
      const index = this.nest(open, () => this.or());
      this.need(index, 'number');
      const close = this.expectOp(']', 'an operator or "]"');
      node = this.typed({ kind: 'index', target: node, index, col: node.col, end: close.col + 1 }, 'number');
    }
    return node;
  }
  private primary(): ConditionNode {
    const token = this.peek();
    if (token.type !== 'number' && token.type !== 'name' && !this.isOp('(')) this.fail(token, PRIMARY);
    this.pos += 1;
    const span = { col: token.col, end: token.col + token.src.length };
    if (token.type === 'number') return this.typed({ kind: 'number', value: token.value, ...span }, 'number');
    if (token.type === 'name' && this.isOp('(')) return this.call(token);
    if (token.type === 'name') return this.typed({ kind: 'name', name: (this.names.add(token.text), token.text), ...span }, 'value');
    const inner = this.nest(token, () => this.or());
    this.expectOp(')', 'an operator or ")"');
    return inner;
  }
  private call(name: Token): ConditionNode {
    if (!Object.hasOwn(FUNCTIONS, name.text)) this.fail(name, `a function (${Object.keys(FUNCTIONS).join(', ')})`);
    const fn = name.text as ConditionFunction;
    const args: ConditionNode[] = [];
    const open = this.expectOp('(', '"("');
    this.nest(open, () => {
      if (this.isOp(')')) return;
      do {
        if (args.length > 0) this.pos += 1;
        const arg = this.or();
        this.need(arg, 'number');
        args.push(arg);
      } while (this.isOp(','));
    });
    const close = this.expectOp(')', 'an operator, "," or ")"');
    const [lo, hi] = FUNCTIONS[fn];
    const want = lo === hi ? `${lo} argument${lo === 1 ? '' : 's'}` : `${lo} to ${hi} arguments`;
    if (args.length < lo || args.length > hi) throw syntaxError(this.text, name.col, `${want} for ${fn}`, `${args.length}`);
    const type: StaticType = fn === 'isNaN' ? 'boolean' : fn === 'default' ? 'value' : 'number';
    return this.typed({ kind: 'call', fn, args, col: name.col, end: close.col + 1 }, type);
  }
}

/** Parses a condition. Throws SluiceError(INVALID_SPEC) naming the column, what was expected and found. */
export function parseCondition(text: string): ParsedCondition {
  const max = MAX_CONDITION_LENGTH;
  if (text.length > max) throw syntaxError(text, max + 1, `at most ${max} characters`, `${text.length} characters`);
  const parser = new Parser(text, tokenize(text));
  const root = parser.parse();
  return { text, root, names: [...parser.names] };
}

type Value = number | boolean | readonly number[];

const source = (c: ParsedCondition, node: ConditionNode): string => c.text.slice(node.col - 1, node.end - 1);
function evalError(c: ParsedCondition, node: ConditionNode, message: string, missing: boolean): SluiceError {
  const details = { condition: c.text, column: node.col, expression: source(c, node), missing };
  return new SluiceError(ErrorCode.INVALID_SPEC, `condition ${quote(c.text)}: ${message}`, { details });
}

const isMissing = (error: unknown): boolean => error instanceof SluiceError && error.details['missing'] === true;

function asNumber(c: ParsedCondition, node: ConditionNode, v: Value): number {
  if (typeof v === 'number') return v;
  const what = source(c, node);
  const got = typeof v === 'boolean' ? 'true/false' : `a list of ${v.length} values; use ${what}[0], len(${what}), min(${what}) or max(${what})`;
  throw evalError(c, node, `"${what}" must be a number but is ${got}`, false);
}

function lookup(c: ParsedCondition, node: ConditionNode & { kind: 'name' }, vars: ConditionVars): Value {
  if (!Object.hasOwn(vars, node.name)) throw evalError(c, node, `unknown variable "${node.name}"`, true);
  const v: unknown = vars[node.name];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as readonly number[];
  throw evalError(c, node, `variable "${node.name}" is not a number or a list of numbers`, false);
}

function index(c: ParsedCondition, node: ConditionNode & { kind: 'index' }, vars: ConditionVars): number {
  const list = evaluate(c, node.target, vars);
  const what = source(c, node.target);
  if (!Array.isArray(list)) throw evalError(c, node, `"${what}" is a number, not a list, so it cannot be indexed`, false);
  const i = asNumber(c, node.index, evaluate(c, node.index, vars));
  if (!Number.isInteger(i)) throw evalError(c, node, `index ${i} into "${what}" is not a whole number`, false);
  const value: number | undefined = list[i < 0 ? list.length + i : i];
  if (value === undefined) throw evalError(c, node, `index ${i} is out of range for "${what}" (${list.length} values)`, true);
  return value;
}

function call(c: ParsedCondition, node: ConditionNode & { kind: 'call' }, vars: ConditionVars): Value {
  const [first, second] = node.args;
  if (!first) throw evalError(c, node, `${node.fn} needs an argument`, false);
  if (node.fn === 'default') {
    try {
      const v = evaluate(c, first, vars);
      if (!(typeof v === 'number' && Number.isNaN(v))) return v;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    return second ? evaluate(c, second, vars) : NaN;
  }
  const v = evaluate(c, first, vars);
  if (node.fn === 'len') {
    if (Array.isArray(v)) return v.length;
    throw evalError(c, first, `len needs a list but "${source(c, first)}" is a number`, false);
  }
  if (node.fn === 'abs') return Math.abs(asNumber(c, first, v));
  if (node.fn === 'isNaN') return Number.isNaN(asNumber(c, first, v));
  const values = node.args.map((arg) => [arg, evaluate(c, arg, vars)] as const);
  const all = values.flatMap(([arg, x]) => (Array.isArray(x) ? x : [asNumber(c, arg, x)]));
  if (all.length === 0) throw evalError(c, node, `${node.fn} of an empty list`, true);
  const pick = node.fn === 'min' ? Math.min : Math.max;
  return all.reduce((a, b) => pick(a, b));
}

const APPLY: Readonly<Record<ConditionOperator, (a: number, b: number) => Value>> = {
  '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b, '%': (a, b) => a % b,
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
  '==': (a, b) => a === b, '!=': (a, b) => a !== b, '&&': () => NaN, '||': () => NaN,
};

function binary(c: ParsedCondition, node: ConditionNode & { kind: 'binary' }, vars: ConditionVars): Value {
  const left = evaluate(c, node.left, vars);
  if (node.op === '&&' || node.op === '||') {
    if (typeof left !== 'boolean') throw evalError(c, node.left, 'expected true or false', false);
    if (left === (node.op === '||')) return left;
    const right = evaluate(c, node.right, vars);
    if (typeof right !== 'boolean') throw evalError(c, node.right, 'expected true or false', false);
    return right;
  }
  const right = evaluate(c, node.right, vars);
  if (typeof left === 'boolean' && typeof right === 'boolean') return node.op === '==' ? left === right : left !== right;
  return APPLY[node.op](asNumber(c, node.left, left), asNumber(c, node.right, right));
}

function evaluate(c: ParsedCondition, node: ConditionNode, vars: ConditionVars): Value {
  switch (node.kind) {
    case 'number': return node.value;
    case 'name': return lookup(c, node, vars);
    case 'index': return index(c, node, vars);
    case 'call': return call(c, node, vars);
    case 'binary': return binary(c, node, vars);
    case 'unary': {
      const v = evaluate(c, node.operand, vars);
      if (node.op === '-') return -asNumber(c, node.operand, v);
      if (typeof v !== 'boolean') throw evalError(c, node.operand, 'expected true or false after "!"', false);
      return !v;
    }
  }
}

/** Evaluates a condition; throws SluiceError(INVALID_SPEC) naming the variable or expression when a variable
 * is unknown, an index is out of range (both `details.missing`, which default() catches) or a value has the wrong shape. */
export function evaluateCondition(c: ParsedCondition, vars: ConditionVars): boolean {
  const v = evaluate(c, c.root, vars);
  if (typeof v !== 'boolean') throw evalError(c, c.root, 'the condition must be true or false', false);
  return v;
}

/** Conditions as text or parsed; undefined or '' means not set. */
export interface ThresholdOptions { readonly successCondition?: string | ParsedCondition | undefined; readonly failureCondition?: string | ParsedCondition | undefined }

function formatValue(v: number | readonly number[] | undefined): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'number') return String(v);
  const shown = v.slice(0, 5).map(String).join(', ');
  return v.length > 5 ? `[${shown}, … (${v.length} values)]` : `[${shown}]`;
}

function describeVars(conditions: readonly ParsedCondition[], vars: ConditionVars): string {
  const names = [...new Set(conditions.flatMap((c) => c.names))];
  const shown = names.length > 0 ? names : Object.keys(vars).slice(0, 3);
  if (shown.length === 0) return 'no values';
  return shown.map((n) => `${n} = ${formatValue(Object.hasOwn(vars, n) ? vars[n] : undefined)}`).join(', ');
}

/**
 * Judges a measurement with Argo Rollouts' rules (`utils/evaluate/evaluate.go#EvaluateResult`): both
 * conditions are evaluated; a true failureCondition fails; a true successCondition passes; with both set
 * and neither true the measurement is inconclusive; a lone successCondition that is false fails; a lone
 * failureCondition that is false passes; with neither set it passes (Argo's code does this, although its
 * docs say inconclusive). Empty strings count as unset. Parse and evaluation errors are thrown, so the
 * caller can count them as errors (Argo's Error phase) rather than as verdicts.
 */
export function judgeThreshold(vars: ConditionVars, options: ThresholdOptions): Verdict {
  const load = (c: string | ParsedCondition | undefined): ParsedCondition | undefined =>
    c === undefined || c === '' ? undefined : typeof c === 'string' ? parseCondition(c) : c;
  const success = load(options.successCondition);
  const failure = load(options.failureCondition);
  const successTrue = success ? evaluateCondition(success, vars) : false;
  const failureTrue = failure ? evaluateCondition(failure, vars) : false;
  const values = describeVars([success, failure].filter((c): c is ParsedCondition => c !== undefined), vars);
  const verdict = (outcome: Verdict['outcome'], reason: string): Verdict => ({ outcome, rule: 'threshold', reason });
  if (failure && failureTrue) return verdict('fail', `failure condition "${failure.text}" is true for ${values}`);
  if (success && successTrue) return verdict('pass', `success condition "${success.text}" is true for ${values}`);
  const neither = `neither success condition "${success?.text}" nor failure condition "${failure?.text}" is true for ${values}`;
  if (success && failure) return verdict('inconclusive', neither);
  if (success) return verdict('fail', `success condition "${success.text}" is false for ${values} (no failure condition is set)`);
  if (failure) return verdict('pass', `failure condition "${failure.text}" is false for ${values} (no success condition is set)`);
  return verdict('pass', `no success or failure condition is set, so the measurement passes as in Argo Rollouts (${values})`);
}
