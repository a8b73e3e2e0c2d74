import { CONSTRAINT_OPERATORS, FLAG_KINDS, FLAG_VALUE_TYPES } from '@sluice/domain';
import { z } from 'zod';
import { DNS_LABEL, hint, name, percent } from './schema-hints.js';

/**
 * The Flag spec as written. Constraints use Unleash's names (contextName, operator, values/value,
 * inverted, caseInsensitive) so flags move between the two unchanged. Cross-field rules (variant
 * values of the flag's type, weights summing to 100, constraint values the operator can use,
 * variants that exist) are the domain's validateFlagSpec, reported by flag-consistency.ts.
 */

export const MAX_FLAG_VALUES = 1000;
const CONTEXT_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/;
const contextName = hint(z.string().regex(CONTEXT_NAME), 'a context field such as userId, sessionId, remoteAddress, environment, or any property name (letters, digits, "_", ".", ":", "-", at most 100 characters)', 'invalid context field');
const stickiness = hint(z.string().regex(CONTEXT_NAME), 'default (userId, then sessionId, then random), random, userId, sessionId or any context field', 'invalid stickiness');
const variantName = hint(z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/), 'a variant name of letters, digits, "_", ".", ":" and "-", at most 100 characters', 'invalid variant name');
const shortText = (expected: string, max: number) => hint(z.string().min(1).max(max), expected, 'invalid value');

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string().max(10_000), z.number(), z.boolean(), z.null(), z.array(jsonValue).max(1000), z.record(z.string().max(200), jsonValue)]),
);

export const constraintSpec = hint(
  z.strictObject({
    contextName,
    operator: hint(z.enum(CONSTRAINT_OPERATORS), `one of ${CONSTRAINT_OPERATORS.join(', ')}`, 'unknown operator'),
    values: hint(z.array(z.string().max(1000)).max(MAX_FLAG_VALUES), `a list of at most ${MAX_FLAG_VALUES} strings`, 'too many values').optional(),
    value: hint(z.union([z.string().max(1000), z.number()]).transform(String), 'one value (a number, date, version or regular expression, by operator)', 'invalid value').optional(),
    inverted: hint(z.boolean(), 'true to negate the constraint').optional(),
    caseInsensitive: hint(z.boolean(), 'true to compare strings ignoring case').optional(),
  }),
  'a map with contextName, operator and values (or value), and optional inverted and caseInsensitive',
);

const variantWeight = hint(z.number().min(0).max(100).refine((w) => Math.abs(w * 10 - Math.round(w * 10)) < 1e-9, { params: { message: 'weight is finer than 0.1' } }), 'a percentage from 0 to 100 in steps of 0.1', 'weight out of range');

export const flagVariantSpec = hint(
  z.strictObject({ name: variantName, value: jsonValue, weight: variantWeight.optional() }),
  'a map with name, value (of the flag\'s type) and weight (percent; the weights sum to 100)',
);

const ruleSpec = hint(
  z.strictObject({
    name: hint(name, `a rule name (${DNS_LABEL})`, 'invalid rule name').optional(),
    constraints: hint(z.array(constraintSpec).max(50), 'a list of at most 50 constraints', 'too many constraints').optional(),
    segments: hint(z.array(name).max(10), 'a list of at most 10 Segment names', 'too many segments').optional(),
    rollout: percent('rollout out of range').optional(),
    stickiness: stickiness.optional(),
    variants: hint(z.array(flagVariantSpec).max(50), 'a list of at most 50 variants', 'too many variants').optional(),
  }),
  'a map with optional name, constraints, segments, rollout (percent, default 100), stickiness and variants',
);

const overrideSpec = hint(
  z.strictObject({
    contextName: contextName.optional(),
    values: hint(z.array(z.string().min(1).max(200)).min(1).max(MAX_FLAG_VALUES), `a list of 1 to ${MAX_FLAG_VALUES} user ids (or values of contextName)`, 'wrong number of values'),
    enabled: hint(z.boolean(), 'true (default) to turn the flag on for them, false to keep it off').optional(),
    variant: variantName.optional(),
  }),
  'a map with values, and optional contextName (default userId), enabled and variant',
);

export const flagEnvironmentSpec = hint(
  z.strictObject({
    enabled: hint(z.boolean(), 'true or false: off means nobody gets the flag in this environment'),
    overrides: hint(z.array(overrideSpec).max(50), 'a list of at most 50 overrides', 'too many overrides').optional(),
    rules: hint(z.array(ruleSpec).max(50), 'a list of at most 50 rules', 'too many rules').optional(),
    default: hint(
      z.strictObject({ rollout: percent('rollout out of range').optional(), stickiness: stickiness.optional(), variant: variantName.optional() }),
      'a map with optional rollout (percent of the users no rule matched; default 100 without rules, else 0), stickiness and variant',
    ).optional(),
    variantWeights: hint(z.record(variantName, variantWeight), 'a map of variant name to weight (percent) for this environment').optional(),
  }),
  'a map with enabled and optional overrides, rules, default and variantWeights',
);

const ENVIRONMENT_NAME_EXPECTED = 'an environment name of lower-case letters, digits and "-", starting with a letter, e.g. development, staging, production';

export const flagSpec = z.strictObject({
  kind: hint(z.enum(FLAG_KINDS), `one of ${FLAG_KINDS.join(', ')}`, 'unknown flag kind').optional(),
  type: hint(z.enum(FLAG_VALUE_TYPES), `one of ${FLAG_VALUE_TYPES.join(', ')} (default boolean)`, 'unknown flag type').optional(),
  description: shortText('a description of at most 1000 characters', 1000).optional(),
  owner: shortText('the team or person who owns the flag, at most 200 characters', 200).optional(),
  variants: hint(z.array(flagVariantSpec).max(50), 'a list of at most 50 variants', 'too many variants').optional(),
  prerequisites: hint(
    z.array(z.strictObject({ flag: name, enabled: z.boolean().optional(), variants: z.array(variantName).max(50).optional() })).max(10),
    'a list of at most 10 prerequisites { flag, enabled (default true), variants }',
    'too many prerequisites',
  ).optional(),
  environments: hint(
    z.record(hint(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), ENVIRONMENT_NAME_EXPECTED, 'invalid environment name'), flagEnvironmentSpec),
    'a map of environment name (development, staging, production, …) to its settings',
  ).optional(),
});

export type RawFlagSpec = z.output<typeof flagSpec>;
export type RawFlagEnvironment = z.output<typeof flagEnvironmentSpec>;

/** A rollout step that turns a flag on or off, ramps its default rollout or sets its variant weights in one environment. */
export const setFlagStep = hint(
  z
    .strictObject({
      flag: hint(name, `the name of a Flag (${DNS_LABEL})`, 'invalid flag name'),
      environment: hint(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), ENVIRONMENT_NAME_EXPECTED, 'invalid environment name'),
      enabled: hint(z.boolean(), 'true to turn the flag on in the environment, false to turn it off').optional(),
      rollout: percent('rollout out of range').optional(),
      variantWeights: hint(z.record(variantName, variantWeight), 'a map of variant name to weight (percent; sum 100)').optional(),
    })
    .refine((s) => s.enabled !== undefined || s.rollout !== undefined || s.variantWeights !== undefined, { params: { message: 'setFlag changes nothing: give enabled, rollout or variantWeights' } }),
  'a map with flag, environment and at least one of enabled, rollout (percent) and variantWeights',
);
export type RawSetFlagStep = z.output<typeof setFlagStep>;
