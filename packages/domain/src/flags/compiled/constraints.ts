/**
 * Constraints compiled once: IN/NOT_IN values as a Set, numbers, dates and semvers parsed, the
 * regex translated and compiled, CIDR ranges parsed. Each compiled constraint is a predicate over
 * the context with exactly the result of `constraintHolds` (../constraints.ts).
 */
import { cidrContains, parseCidr, parseIpInto, type CidrRange } from '../../traffic/ip-address.js';
import { cleanValues, singleValue } from '../constraints.js';
import { contextValue } from '../context.js';
import type { ConstraintDefinition, EvaluateOptions, FlagContext } from '../model.js';
import { compileUnleashRegex } from '../regex.js';
import { compareSemVer, parseSemVer } from '../semver.js';

/** A compiled test on the context. */
export type ContextTest = (context: FlagContext) => boolean;

export const ALWAYS: ContextTest = () => true;
export const NEVER: ContextTest = () => false;

/** The address being tested by IN_CIDR. Safe to share: evaluation is synchronous. */
const address = new Uint32Array(4);

function inTest(c: ConstraintDefinition): ContextTest {
  const field = c.contextName;
  const values = new Set(cleanValues(c.values));
  if (c.operator === 'IN') {
    return (context) => {
      const value = contextValue(context, field);
      return value !== undefined && values.has(value);
    };
  }
  return (context) => {
    const value = contextValue(context, field);
    return value === undefined || !values.has(value);
  };
}

function stringTest(c: ConstraintDefinition): ContextTest {
  const field = c.contextName;
  const lower = c.caseInsensitive === true;
  const values = lower ? cleanValues(c.values).map((v) => v.toLowerCase()) : cleanValues(c.values);
  const check =
    c.operator === 'STR_STARTS_WITH'
      ? (v: string, x: string) => v.startsWith(x)
      : c.operator === 'STR_ENDS_WITH'
        ? (v: string, x: string) => v.endsWith(x)
        : (v: string, x: string) => v.includes(x);
  return (context) => {
    const raw = contextValue(context, field);
    if (raw === undefined) return false;
    const value = lower ? raw.toLowerCase() : raw;
    for (const x of values) if (check(value, x)) return true;
    return false;
  };
}

function compare(operator: string, cmp: number): boolean {
  switch (operator) {
    case 'NUM_EQ':
    case 'SEMVER_EQ':
      return cmp === 0;
    case 'NUM_GT':
    case 'SEMVER_GT':
      return cmp > 0;
    case 'NUM_GTE':
    case 'SEMVER_GTE':
      return cmp >= 0;
    case 'NUM_LT':
    case 'SEMVER_LT':
      return cmp < 0;
    default:
      return cmp <= 0;
  }
}

function numberTest(c: ConstraintDefinition): ContextTest {
  const field = c.contextName;
  const operator = c.operator;
  const expected = Number.parseFloat(singleValue(c) ?? '');
  if (Number.isNaN(expected)) return NEVER;
  return (context) => {
    const raw = contextValue(context, field);
    if (raw === undefined) return false;
    const actual = Number.parseFloat(raw);
    if (Number.isNaN(actual)) return false;
    return compare(operator, actual === expected ? 0 : actual > expected ? 1 : -1);
  };
}

function dateTest(c: ConstraintDefinition, options: EvaluateOptions): ContextTest {
  const field = c.contextName;
  const after = c.operator === 'DATE_AFTER';
  const expected = Date.parse(singleValue(c) ?? '');
  if (Number.isNaN(expected)) return NEVER;
  return (context) => {
    const raw = contextValue(context, field);
    const actual = raw !== undefined ? Date.parse(raw) : field === 'currentTime' ? options.now : undefined;
    if (actual === undefined || Number.isNaN(actual)) return false;
    return after ? actual > expected : actual < expected;
  };
}

function semverTest(c: ConstraintDefinition): ContextTest {
  const field = c.contextName;
  const operator = c.operator;
  const expected = parseSemVer(singleValue(c) ?? '');
  if (!expected) return NEVER;
  return (context) => {
    const raw = contextValue(context, field);
    const actual = raw === undefined ? undefined : parseSemVer(raw);
    return actual !== undefined && compare(operator, compareSemVer(actual, expected));
  };
}

function regexTest(c: ConstraintDefinition): ContextTest {
  const field = c.contextName;
  const pattern = singleValue(c) ?? c.values?.[0];
  const re = pattern === undefined ? undefined : compileUnleashRegex(pattern, c.caseInsensitive === true);
  if (re === undefined) return NEVER;
  return (context) => {
    const value = contextValue(context, field);
    return value !== undefined && re.test(value);
  };
}

function cidrTest(c: ConstraintDefinition): ContextTest {
  const field = c.contextName;
  const ranges: CidrRange[] = [];
  for (const text of cleanValues(c.values)) {
    const range = parseCidr(text);
    if (range !== undefined) ranges.push(range);
  }
  return (context) => {
    const value = contextValue(context, field);
    if (value === undefined || !parseIpInto(value.trim(), address)) return false;
    for (const range of ranges) if (cidrContains(range, address)) return true;
    return false;
  };
}

/** The operator's test before `inverted`, or undefined for an unknown operator. */
function operatorTest(c: ConstraintDefinition, options: EvaluateOptions): ContextTest | undefined {
  switch (c.operator) {
    case 'IN':
    case 'NOT_IN':
      return inTest(c);
    case 'STR_STARTS_WITH':
    case 'STR_ENDS_WITH':
    case 'STR_CONTAINS':
      return stringTest(c);
    case 'NUM_EQ':
    case 'NUM_GT':
    case 'NUM_GTE':
    case 'NUM_LT':
    case 'NUM_LTE':
      return numberTest(c);
    case 'DATE_AFTER':
    case 'DATE_BEFORE':
      return dateTest(c, options);
    case 'SEMVER_EQ':
    case 'SEMVER_GT':
    case 'SEMVER_GTE':
    case 'SEMVER_LT':
    case 'SEMVER_LTE':
      return semverTest(c);
    case 'REGEX':
      return regexTest(c);
    case 'IN_CIDR':
      return cidrTest(c);
    default:
      return undefined;
  }
}

/** One (already validated) constraint as a predicate. An unknown operator never holds, even inverted. */
export function compileConstraint(c: ConstraintDefinition, options: EvaluateOptions): ContextTest {
  const test = operatorTest(c, options);
  if (test === undefined) return NEVER;
  if (c.inverted !== true) return test;
  if (test === NEVER) return ALWAYS;
  return (context) => !test(context);
}

/** Constraints that must all hold, as one predicate. */
export function compileAll(tests: readonly ContextTest[]): ContextTest {
  const live = tests.filter((t) => t !== ALWAYS);
  if (live.length === 0) return ALWAYS;
  if (live.includes(NEVER)) return NEVER;
  if (live.length === 1) return live[0] as ContextTest;
  return (context) => {
    for (let i = 0; i < live.length; i++) if (!(live[i] as ContextTest)(context)) return false;
    return true;
  };
}
