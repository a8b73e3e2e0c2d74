import { ErrorCode, SluiceError } from '../errors.js';
import { isValidWeight } from '../rollouts/step.js';
import { compileFlagCondition } from './flag-condition.js';
import { cidrContains, parseCidr, parseIpInto, type CidrRange } from './ip-address.js';
import { MAX_REGEX_LENGTH, type Condition, type RequestView, type RouteRule, type RuleAction } from './routing.js';

/** The rule a request matched and its position in the list. */
export interface CompiledMatch {
  readonly rule: RouteRule;
  readonly index: number;
}

/** Rules compiled once per split change; `match` is called for every request. */
export interface CompiledRules {
  /** Number of rules. */
  readonly size: number;
  /** The first rule whose conditions all hold, or undefined. Allocates nothing beyond what `request` does. */
  match(request: RequestView): CompiledMatch | undefined;
}

/** Reports a malformed field: never returns. */
export type RuleFieldFailure = (field: string, found: unknown, expected: string) => never;

type Test = (request: RequestView) => boolean;
type ValueTest = (value: string) => boolean;

/** Deepest `anyOf` nesting accepted (an inlined segment is one level). */
const MAX_ANY_OF_DEPTH = 8;
const STRING_MATCH_KEYS = ['exact', 'prefix', 'regex', 'in'] as const;
const ALWAYS: Test = () => true;
/** The client address being tested. Shared: matching is synchronous, so no two requests use it at once. */
const address = new Uint32Array(4);

/** Why `source` is not an accepted regex (too long, or not valid JavaScript regex syntax), or undefined. */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_REGEX_LENGTH) return `longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    // Compiled alone first: a pattern like "a)|(b" is unbalanced here, so it cannot escape the anchors below.
    new RegExp(source);
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  return undefined;
}

/**
 * The whole-value matcher for an accepted pattern. JS regexes backtrack: a pattern such as (a+)+$
 * can take exponential time on a crafted value. The mitigation is the MAX_REGEX_LENGTH limit,
 * anchoring (one start position instead of every offset), that patterns come only from operators'
 * specs (never from requests), and that header values are bounded by the proxy's header size limit.
 */
export function anchoredRegex(source: string): RegExp {
  return new RegExp(`^(?:${source})$`);
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const defaultFailure: RuleFieldFailure = (field, found, expected) => {
  throw new SluiceError(ErrorCode.INVALID_REQUEST, `rules: ${field} is ${show(found)}; expected ${expected}`, { details: { field } });
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmptyString(value: unknown, field: string, fail: RuleFieldFailure, expected: string): string {
  if (typeof value !== 'string' || value === '') fail(field, value, expected);
  return value as string;
}

function stringList(value: unknown, field: string, fail: RuleFieldFailure, expected: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) fail(field, value, expected);
  return value as readonly string[];
}

function compileStringMatch(match: unknown, field: string, fail: RuleFieldFailure): ValueTest {
  const keys = isObject(match) ? Object.keys(match) : [];
  const key = keys[0];
  if (keys.length !== 1 || !STRING_MATCH_KEYS.includes(key as (typeof STRING_MATCH_KEYS)[number])) {
    fail(field, match, 'a map with exactly one of exact, prefix, regex or in');
  }
  const value = (match as Record<string, unknown>)[key as string];
  if (key === 'in') {
    const set = new Set(stringList(value, `${field}.in`, fail, 'a non-empty list of strings'));
    return (v) => set.has(v);
  }
  if (typeof value !== 'string') return fail(`${field}.${key}`, value, 'a string');
  if (key === 'exact') return (v) => v === value;
  if (key === 'prefix') return (v) => v.startsWith(value);
  const problem = regexProblem(value);
  if (problem !== undefined) fail(`${field}.regex`, value, `a regular expression of at most ${MAX_REGEX_LENGTH} characters (${problem})`);
  const regex = anchoredRegex(value);
  return (v) => regex.test(v);
}

function compileAttribute(condition: Record<string, unknown>, field: string, fail: RuleFieldFailure): Test {
  const kind = condition['kind'];
  const raw = nonEmptyString(condition['name'], `${field}.name`, fail, `a ${String(kind)} name`);
  const test = compileStringMatch(condition['match'], `${field}.match`, fail);
  if (kind === 'header') {
    const name = raw.toLowerCase();
    return (r) => {
      const v = r.header(name);
      return v !== undefined && test(v);
    };
  }
  if (kind === 'cookie') {
    return (r) => {
      const v = r.cookie(raw);
      return v !== undefined && test(v);
    };
  }
  return (r) => {
    const v = r.query(raw);
    return v !== undefined && test(v);
  };
}

function compileCidrs(value: unknown, field: string, fail: RuleFieldFailure): Test {
  const expected = 'a non-empty list of CIDR ranges like 10.0.0.0/8 or 2001:db8::/32';
  const ranges: CidrRange[] = stringList(value, field, fail, expected).map((text, i) => parseCidr(text) ?? fail(`${field}[${i}]`, text, expected));
  return (r) => {
    if (!parseIpInto(r.sourceIp, address)) return false;
    for (let i = 0; i < ranges.length; i++) if (cidrContains(ranges[i] as CidrRange, address)) return true;
    return false;
  };
}

function compileCondition(condition: unknown, field: string, fail: RuleFieldFailure, depth: number): Test {
  if (!isObject(condition)) return fail(field, condition, 'a condition map with a kind');
  switch (condition['kind']) {
    case 'header':
    case 'cookie':
    case 'query':
      return compileAttribute(condition, field, fail);
    case 'pathPrefix': {
      const prefix = nonEmptyString(condition['prefix'], `${field}.prefix`, fail, 'a path prefix starting with "/"');
      return (r) => r.path.startsWith(prefix);
    }
    case 'method': {
      const methods = stringList(condition['methods'], `${field}.methods`, fail, 'a non-empty list of HTTP methods').map((m) => m.toUpperCase());
      return (r) => methods.includes(r.method);
    }
    case 'sourceCidr':
      return compileCidrs(condition['cidrs'], `${field}.cidrs`, fail);
    case 'flag':
      return compileFlagCondition(condition, field, fail);
    case 'anyOf':
      return compileAnyOf(condition['groups'], `${field}.groups`, fail, depth + 1);
    default:
      return fail(`${field}.kind`, condition['kind'], 'one of header, cookie, query, pathPrefix, method, sourceCidr, flag, anyOf');
  }
}

function compileAnyOf(groups: unknown, field: string, fail: RuleFieldFailure, depth: number): Test {
  if (depth > MAX_ANY_OF_DEPTH) fail(field, '…', `anyOf nested at most ${MAX_ANY_OF_DEPTH} deep`);
  if (!Array.isArray(groups)) return fail(field, groups, 'a list of condition lists');
  const tests = groups.map((group, i) => compileAll(group, `${field}[${i}]`, fail, depth));
  return (r) => {
    for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(r)) return true;
    return false;
  };
}

/** The AND of a condition list (an empty list is always true). */
function compileAll(conditions: unknown, field: string, fail: RuleFieldFailure, depth: number): Test {
  if (!Array.isArray(conditions)) return fail(field, conditions, 'a list of conditions');
  const tests = conditions.map((c: unknown, i) => compileCondition(c, `${field}[${i}]`, fail, depth));
  if (tests.length === 0) return ALWAYS;
  if (tests.length === 1) return tests[0] as Test;
  return (r) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test)(r)) return false;
    return true;
  };
}

/** Rejects a malformed rule action. */
export function checkRuleAction(action: unknown, field: string, fail: RuleFieldFailure): asserts action is RuleAction {
  if (!isObject(action)) return fail(field, action, 'a map with kind "version" or "split"');
  if (action['kind'] === 'version') {
    nonEmptyString(action['version'], `${field}.version`, fail, 'a version name');
    return;
  }
  if (action['kind'] !== 'split') return fail(`${field}.kind`, action['kind'], '"version" or "split"');
  nonEmptyString(action['canary'], `${field}.canary`, fail, 'a version name');
  const weight = action['weight'];
  if (typeof weight !== 'number' || !isValidWeight(weight)) fail(`${field}.weight`, weight, 'a number from 0 to 100 in steps of 0.01');
  if (action['salt'] !== undefined && typeof action['salt'] !== 'string') fail(`${field}.salt`, action['salt'], 'a string or nothing');
}

/**
 * Compiles ordered rules into one matcher: regexes compiled once (anchored), CIDRs parsed into
 * numeric ranges, `in` lists turned into Sets, header names lower-cased. Rejects a malformed rule
 * through `fail` (by default an INVALID_REQUEST naming the field), so it also validates.
 */
export function compileRules(rules: readonly RouteRule[], fail: RuleFieldFailure = defaultFailure): CompiledRules {
  if (!Array.isArray(rules)) fail('rules', rules, 'a list of rules');
  const compiled = rules.map((rule: unknown, index) => {
    const field = `rules[${index}]`;
    if (!isObject(rule)) return fail(field, rule, 'a map with name, conditions and action');
    nonEmptyString(rule['name'], `${field}.name`, fail, 'a rule name');
    checkRuleAction(rule['action'], `${field}.action`, fail);
    const test = compileAll(rule['conditions'], `${field}.conditions`, fail, 0);
    return { test, match: Object.freeze({ rule: rule as unknown as RouteRule, index }) };
  });
  return {
    size: compiled.length,
    match(request) {
      for (let i = 0; i < compiled.length; i++) {
        const entry = compiled[i] as (typeof compiled)[number];
        if (entry.test(request)) return entry.match;
      }
      return undefined;
    },
  };
}
