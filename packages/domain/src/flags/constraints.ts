/**
 * Unleash's constraint operators (unleash-client-node `strategy/constraint.ts` semantics):
 * IN, NOT_IN, STR_STARTS_WITH/ENDS_WITH/CONTAINS, NUM_EQ/GT/GTE/LT/LTE, DATE_AFTER/BEFORE,
 * SEMVER_EQ/GT/LT (+GTE/LTE), REGEX and IN_CIDR, each optionally `inverted`.
 * An unknown operator never matches (even inverted). A missing context value fails every operator
 * except NOT_IN.
 */
import { cidrContains, parseCidr, parseIpInto } from '../traffic/ip-address.js';
import { contextValue } from './context.js';
import type { ConstraintDefinition, EvaluateOptions, FlagContext } from './model.js';
import { compileUnleashRegex } from './regex.js';
import { compareSemVer, parseSemVer } from './semver.js';

type Operator = (c: ConstraintDefinition, context: FlagContext, options: EvaluateOptions) => boolean;

/** Non-empty values, trimmed (Unleash's `cleanValues`). */
export function cleanValues(values: readonly string[] | null | undefined): string[] {
  return (values ?? []).filter((v) => typeof v === 'string' && v.length > 0).map((v) => v.trim());
}

/** The single `value` of NUM_*, DATE_*, SEMVER_* and REGEX (a number is taken as its text). */
export function singleValue(c: ConstraintDefinition): string | undefined {
  const v: unknown = c.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

const inOperator: Operator = (c, context) => {
  const value = contextValue(context, c.contextName);
  const isIn = value !== undefined && cleanValues(c.values).some((v) => v === value);
  return c.operator === 'IN' ? isIn : !isIn;
};

const stringOperator: Operator = (c, context) => {
  let value = contextValue(context, c.contextName);
  if (value === undefined) return false;
  let values = cleanValues(c.values);
  if (c.caseInsensitive === true) {
    values = values.map((v) => v.toLowerCase());
    value = value.toLowerCase();
  }
  const v = value;
  if (c.operator === 'STR_STARTS_WITH') return values.some((x) => v.startsWith(x));
  if (c.operator === 'STR_ENDS_WITH') return values.some((x) => v.endsWith(x));
  return values.some((x) => v.includes(x));
};

const numberOperator: Operator = (c, context) => {
  const raw = contextValue(context, c.contextName);
  if (raw === undefined) return false;
  const actual = Number.parseFloat(raw);
  const expected = Number.parseFloat(singleValue(c) ?? '');
  if (Number.isNaN(actual) || Number.isNaN(expected)) return false;
  switch (c.operator) {
    case 'NUM_EQ':
      return actual === expected;
    case 'NUM_GT':
      return actual > expected;
    case 'NUM_GTE':
      return actual >= expected;
    case 'NUM_LT':
      return actual < expected;
    default:
      return actual <= expected;
  }
};

const dateOperator: Operator = (c, context, options) => {
  const raw = contextValue(context, c.contextName);
  const actual = raw !== undefined ? Date.parse(raw) : c.contextName === 'currentTime' ? options.now : undefined;
  const expected = Date.parse(singleValue(c) ?? '');
  if (actual === undefined || Number.isNaN(actual) || Number.isNaN(expected)) return false;
  return c.operator === 'DATE_AFTER' ? actual > expected : actual < expected;
};

const semverOperator: Operator = (c, context) => {
  const raw = contextValue(context, c.contextName);
  const actual = raw === undefined ? undefined : parseSemVer(raw);
  const expected = parseSemVer(singleValue(c) ?? '');
  if (!actual || !expected) return false;
  const cmp = compareSemVer(actual, expected);
  switch (c.operator) {
    case 'SEMVER_EQ':
      return cmp === 0;
    case 'SEMVER_GT':
      return cmp > 0;
    case 'SEMVER_GTE':
      return cmp >= 0;
    case 'SEMVER_LT':
      return cmp < 0;
    default:
      return cmp <= 0;
  }
};

const regexOperator: Operator = (c, context) => {
  const value = contextValue(context, c.contextName);
  const pattern = singleValue(c) ?? c.values?.[0];
  if (value === undefined || pattern === undefined) return false;
  const re = compileUnleashRegex(pattern, c.caseInsensitive === true);
  return re !== undefined && re.test(value);
};

const cidrOperator: Operator = (c, context) => {
  const value = contextValue(context, c.contextName);
  if (value === undefined) return false;
  const address = new Uint32Array(4);
  if (!parseIpInto(value.trim(), address)) return false;
  return cleanValues(c.values).some((text) => {
    const range = parseCidr(text);
    return range !== undefined && cidrContains(range, address);
  });
};

const OPERATORS: ReadonlyMap<string, Operator> = new Map<string, Operator>([
  ['IN', inOperator],
  ['NOT_IN', inOperator],
  ['STR_STARTS_WITH', stringOperator],
  ['STR_ENDS_WITH', stringOperator],
  ['STR_CONTAINS', stringOperator],
  ['NUM_EQ', numberOperator],
  ['NUM_GT', numberOperator],
  ['NUM_GTE', numberOperator],
  ['NUM_LT', numberOperator],
  ['NUM_LTE', numberOperator],
  ['DATE_AFTER', dateOperator],
  ['DATE_BEFORE', dateOperator],
  ['SEMVER_EQ', semverOperator],
  ['SEMVER_GT', semverOperator],
  ['SEMVER_GTE', semverOperator],
  ['SEMVER_LT', semverOperator],
  ['SEMVER_LTE', semverOperator],
  ['REGEX', regexOperator],
  ['IN_CIDR', cidrOperator],
]);

/** True when the constraint holds for the context. */
export function constraintHolds(c: ConstraintDefinition, context: FlagContext, options: EvaluateOptions): boolean {
  const operator = OPERATORS.get(c.operator);
  if (!operator) return false;
  const result = operator(c, context, options);
  return c.inverted === true ? !result : result;
}

/** True when every constraint holds (an empty list holds). */
export function allConstraintsHold(
  constraints: readonly ConstraintDefinition[] | null | undefined,
  context: FlagContext,
  options: EvaluateOptions,
): boolean {
  return (constraints ?? []).every((c) => constraintHolds(c, context, options));
}
