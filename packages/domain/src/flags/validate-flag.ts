/**
 * Rules of a Flag spec that a schema cannot express: variant values of the flag's type, weights that
 * sum to 100, names that exist, constraints the evaluator can run (regexes, numbers, dates, semver,
 * CIDRs), and prerequisite cycles across flags. Pure; each problem names the JSON path it is about.
 */
import { parseCidr } from '../traffic/ip-address.js';
import type { FlagEnvironmentSpec, FlagSpec, FlagVariantSpec } from './flag-resource.js';
import type { ConstraintDefinition } from './model.js';
import { compileUnleashRegex } from './regex.js';
import { parseSemVer } from './semver.js';

export type FlagPath = readonly (string | number)[];

export interface FlagProblem {
  readonly path: FlagPath;
  readonly message: string;
  readonly expected: string;
}

export const CONSTRAINT_OPERATORS = [
  'IN', 'NOT_IN', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'STR_CONTAINS',
  'NUM_EQ', 'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE', 'DATE_AFTER', 'DATE_BEFORE',
  'SEMVER_EQ', 'SEMVER_GT', 'SEMVER_GTE', 'SEMVER_LT', 'SEMVER_LTE', 'REGEX', 'IN_CIDR',
] as const;

/** Operators that compare with one `value`; the others take a list of `values`. */
export const SINGLE_VALUE_OPERATORS: ReadonlySet<string> = new Set([
  'NUM_EQ', 'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE', 'DATE_AFTER', 'DATE_BEFORE',
  'SEMVER_EQ', 'SEMVER_GT', 'SEMVER_GTE', 'SEMVER_LT', 'SEMVER_LTE', 'REGEX',
]);

function valueProblem(c: ConstraintDefinition): string | undefined {
  const op = c.operator;
  const value = c.value ?? '';
  if (op.startsWith('NUM_') && !Number.isFinite(Number.parseFloat(value))) return 'a number';
  if (op.startsWith('DATE_') && Number.isNaN(Date.parse(value))) return 'an ISO 8601 date-time such as 2026-12-31T00:00:00Z';
  if (op.startsWith('SEMVER_') && parseSemVer(value) === undefined) return 'a semantic version such as 1.2.3 or 2.0.0-beta.1';
  if (op === 'REGEX' && compileUnleashRegex(value, c.caseInsensitive === true) === undefined) return 'a regular expression this evaluator supports (no backreferences or lookbehind)';
  return undefined;
}

/** Problems of one constraint at `path`. */
export function constraintProblems(c: ConstraintDefinition, path: FlagPath): FlagProblem[] {
  if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(c.operator)) {
    return [{ path: [...path, 'operator'], message: `unknown operator "${c.operator}"`, expected: `one of ${CONSTRAINT_OPERATORS.join(', ')}` }];
  }
  if (SINGLE_VALUE_OPERATORS.has(c.operator)) {
    if (c.value === undefined || c.value === null) return [{ path, message: `${c.operator} compares with one value`, expected: 'a value field' }];
    const expected = valueProblem(c);
    return expected === undefined ? [] : [{ path: [...path, 'value'], message: `invalid value for ${c.operator}`, expected }];
  }
  if (!c.values || c.values.length === 0) return [{ path, message: `${c.operator} needs a list of values`, expected: 'a values list with at least one entry' }];
  if (c.operator === 'IN_CIDR') {
    const bad = c.values.findIndex((v) => parseCidr(v) === undefined);
    if (bad >= 0) return [{ path: [...path, 'values', bad], message: 'invalid CIDR', expected: 'an IPv4 or IPv6 range such as 10.0.0.0/8 or 2001:db8::/32' }];
  }
  return [];
}

function valueMatchesType(spec: FlagSpec, value: unknown): boolean {
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'json':
      return value !== undefined;
  }
}

function weightProblems(variants: readonly { name: string; weight: number }[], path: FlagPath): FlagProblem[] {
  if (variants.length === 0) return [];
  const sum = variants.reduce((s, v) => s + Math.round(v.weight * 10), 0);
  return sum === 1000 ? [] : [{ path, message: `variant weights sum to ${sum / 10}`, expected: 'weights (percent, 0.1 resolution) that sum to 100' }];
}

function variantListProblems(spec: FlagSpec, variants: readonly FlagVariantSpec[], path: FlagPath): FlagProblem[] {
  const problems: FlagProblem[] = [];
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (seen.has(v.name)) problems.push({ path: [...path, i, 'name'], message: `duplicate variant "${v.name}"`, expected: 'unique variant names' });
    seen.add(v.name);
    if (!valueMatchesType(spec, v.value)) problems.push({ path: [...path, i, 'value'], message: `variant "${v.name}" has a value that is not a ${spec.type}`, expected: `a ${spec.type} value (the flag's type)` });
  });
  return [...problems, ...weightProblems(variants, path)];
}

function variantRef(spec: FlagSpec, name: string | undefined, path: FlagPath): FlagProblem[] {
  if (name === undefined || spec.variants.some((v) => v.name === name)) return [];
  return [{ path, message: `unknown variant "${name}"`, expected: `one of the flag's variants: ${spec.variants.map((v) => v.name).join(', ') || '(none)'}` }];
}

function environmentProblems(spec: FlagSpec, env: FlagEnvironmentSpec, path: FlagPath): FlagProblem[] {
  const problems: FlagProblem[] = [];
  env.overrides.forEach((o, i) => problems.push(...variantRef(spec, o.variant, [...path, 'overrides', i, 'variant'])));
  problems.push(...variantRef(spec, env.default.variant, [...path, 'default', 'variant']));
  env.rules.forEach((rule, i) => {
    const at = [...path, 'rules', i];
    rule.constraints.forEach((c, j) => problems.push(...constraintProblems(c, [...at, 'constraints', j])));
    problems.push(...variantListProblems(spec, rule.variants, [...at, 'variants']));
  });
  if (env.variantWeights !== undefined) {
    const weights = spec.variants.map((v) => ({ name: v.name, weight: env.variantWeights?.[v.name] ?? 0 }));
    for (const name of Object.keys(env.variantWeights)) problems.push(...variantRef(spec, name, [...path, 'variantWeights', name]));
    problems.push(...weightProblems(weights, [...path, 'variantWeights']));
  }
  return problems;
}

/** Problems of one flag on its own (references to other flags and segments are checked by checkFlagReferences). */
export function validateFlagSpec(name: string, spec: FlagSpec): FlagProblem[] {
  const problems: FlagProblem[] = [];
  if (spec.type === 'boolean' && spec.variants.length > 0) {
    problems.push({ path: ['spec', 'variants'], message: 'a boolean flag has no variants (its value is whether it is on)', expected: 'type string, number or json for variants, or no variants' });
  } else if (spec.type !== 'boolean' && spec.variants.length === 0) {
    problems.push({ path: ['spec', 'variants'], message: `a ${spec.type} flag serves a variant's value and has none`, expected: 'at least one variant' });
  }
  problems.push(...variantListProblems(spec, spec.variants, ['spec', 'variants']));
  spec.prerequisites.forEach((p, i) => {
    if (p.flag === name) problems.push({ path: ['spec', 'prerequisites', i, 'flag'], message: 'a flag cannot require itself', expected: 'the name of another flag' });
  });
  for (const [env, settings] of Object.entries(spec.environments)) problems.push(...environmentProblems(spec, settings, ['spec', 'environments', env]));
  return problems;
}

/**
 * Prerequisites that name no flag, and cycles (a → b → a), over the whole set of flags after a change.
 * Returns problems keyed by the flag they are found on.
 */
export function prerequisiteProblems(flags: ReadonlyMap<string, FlagSpec>): { flag: string; problem: FlagProblem }[] {
  const out: { flag: string; problem: FlagProblem }[] = [];
  for (const [name, spec] of flags) {
    spec.prerequisites.forEach((p, i) => {
      if (!flags.has(p.flag)) out.push({ flag: name, problem: { path: ['spec', 'prerequisites', i, 'flag'], message: `prerequisite "${p.flag}" is not a flag`, expected: 'the name of an existing flag (or one applied with it)' } });
    });
    const cycle = cycleFrom(name, flags);
    if (cycle) out.push({ flag: name, problem: { path: ['spec', 'prerequisites'], message: `prerequisites form a cycle: ${cycle.join(' → ')}`, expected: 'prerequisites without cycles' } });
  }
  return out;
}

function cycleFrom(start: string, flags: ReadonlyMap<string, FlagSpec>): string[] | undefined {
  const visit = (name: string, path: string[]): string[] | undefined => {
    for (const p of flags.get(name)?.prerequisites ?? []) {
      if (p.flag === start) return [...path, p.flag];
      if (path.includes(p.flag)) continue;
      const found = visit(p.flag, [...path, p.flag]);
      if (found) return found;
    }
    return undefined;
  };
  return visit(start, [start]);
}
