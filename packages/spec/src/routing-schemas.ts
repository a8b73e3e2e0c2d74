import { MAX_MIRROR_BODY_BYTES, MAX_REGEX_LENGTH, parseCidr, regexProblem } from '@sluice/domain';
import { z } from 'zod';
import { exactlyOneKey, hint, name, percent, TOKEN_PATTERN, versionName, VERSION_NAME_EXPECTED, VERSION_NAME_PATTERN, weight } from './schema-hints.js';

/**
 * Schemas of match conditions, route rules, Segment specs and the routing steps, as written in YAML:
 * `{ header: x-region, exact: eu }`, `{ method: [GET] }`, `{ segment: internal-testers }`, …
 */

export const MATCH_KEYS = ['exact', 'prefix', 'regex', 'in'] as const;
export const ATTRIBUTE_KINDS = ['header', 'cookie', 'query'] as const;
/** The keys that say what a condition is about; a condition has exactly one. */
export const CONDITION_KINDS = [...ATTRIBUTE_KINDS, 'userAgent', 'pathPrefix', 'method', 'sourceCidr', 'flag', 'segment'] as const;
const MAX_CONDITIONS = 32;
const MAX_VALUE_LENGTH = 4096;

const text = (expected: string, invalid: string) => hint(z.string().max(MAX_VALUE_LENGTH), expected, invalid);
const exact = text('the exact value, at most 4096 characters', 'value too long');
const prefix = hint(z.string().min(1).max(MAX_VALUE_LENGTH), 'a non-empty prefix, at most 4096 characters', 'invalid prefix');
const regex = hint(
  z
    .string()
    .min(1)
    .max(MAX_REGEX_LENGTH)
    .refine((r) => r.length > MAX_REGEX_LENGTH || regexProblem(r) === undefined),
  `a JavaScript regular expression that must match the whole value, at most ${MAX_REGEX_LENGTH} characters`,
  'invalid regular expression',
);
const inList = hint(
  z.array(hint(z.string().max(MAX_VALUE_LENGTH), 'a string (quote numbers, e.g. "42")')).min(1).max(10_000),
  'a list of 1 to 10000 values',
  'wrong number of values',
);
const headerName = hint(z.string().max(256).regex(TOKEN_PATTERN), 'an HTTP header name, e.g. x-region', 'invalid header name');

const ENVIRONMENT_NAME_EXPECTED = 'an environment name of lower-case letters, digits and "-", starting with a letter, e.g. production';
/** `{ name: new-checkout, environment: production, variant: blue }`: the flag is on (and serves the variant) for the request's user. */
const flagCondition = hint(
  z.strictObject({
    name: hint(name, 'the name of a Flag', 'invalid flag name'),
    environment: hint(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), ENVIRONMENT_NAME_EXPECTED, 'invalid environment name'),
    variant: hint(z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/), 'a variant name of letters, digits, "_", ".", ":" and "-", at most 100 characters', 'invalid variant name').optional(),
  }),
  'a map with name (a Flag), environment and optional variant, e.g. { name: new-checkout, environment: production }',
);

const matchFields = { exact: exact.optional(), prefix: prefix.optional(), regex: regex.optional(), in: inList.optional() };

/** `{ regex: Mobile }`: how userAgent is compared. */
const stringMatch = hint(
  z.strictObject(matchFields).superRefine(exactlyOneKey(MATCH_KEYS, 'a match')).meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of exact, prefix, regex or in',
);

const conditionFields = {
  header: headerName.optional(),
  cookie: hint(z.string().max(256).regex(TOKEN_PATTERN), 'a cookie name, e.g. beta', 'invalid cookie name').optional(),
  query: hint(z.string().min(1).max(256), 'a query parameter name, e.g. preview', 'invalid query parameter name').optional(),
  ...matchFields,
  userAgent: stringMatch.optional(),
  pathPrefix: hint(z.string().max(2048).regex(/^\//), 'a URL path prefix starting with "/", e.g. /api/', 'invalid path prefix').optional(),
  method: hint(
    z.array(hint(z.string().max(32).regex(/^[A-Za-z]+$/), 'an HTTP method, e.g. GET', 'invalid method')).min(1).max(16),
    'a list of HTTP methods, e.g. [GET, HEAD]',
    'wrong number of methods',
  ).optional(),
  sourceCidr: hint(
    z
      .array(hint(z.string().max(64).refine((c) => parseCidr(c) !== undefined), 'a CIDR range like 10.0.0.0/8 or 2001:db8::/32', 'invalid CIDR range'))
      .min(1)
      .max(256),
    'a list of 1 to 256 CIDR ranges',
    'wrong number of CIDR ranges',
  ).optional(),
  flag: flagCondition.optional(),
};

/** Exactly one kind key; header, cookie and query need exactly one match key, the others none. */
function conditionShape(kinds: readonly string[]) {
  const oneKind = exactlyOneKey(kinds, 'a condition');
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    oneKind(value, ctx);
    const kind = kinds.find((k) => value[k] !== undefined);
    const given = MATCH_KEYS.filter((k) => value[k] !== undefined);
    if (kind !== undefined && (ATTRIBUTE_KINDS as readonly string[]).includes(kind)) {
      if (given.length === 1) return;
      const message = `a ${kind} condition must have exactly one of ${MATCH_KEYS.join(', ')}`;
      const found = given.length === 0 ? 'none of them' : given.join(' and ');
      ctx.addIssue({ code: 'custom', message, params: { message, found, expected: `exactly one of ${MATCH_KEYS.join(', ')}` } });
      return;
    }
    for (const key of kind === undefined ? [] : given) {
      const message = `"${key}" applies only to header, cookie and query conditions`;
      ctx.addIssue({ code: 'custom', path: [key], message, params: { message, found: key, expected: `no ${key} on a ${kind} condition` } });
    }
  };
}

function conditionSchema<T extends typeof conditionFields>(fields: T, kinds: readonly string[]) {
  const examples = '{ header: x-user-id, in: [u1, u2] }, { pathPrefix: /api/ }, { method: [GET] }';
  return hint(
    z.strictObject(fields).superRefine(conditionShape(kinds)).meta({ minProperties: 1, maxProperties: 2 }),
    `a condition with exactly one of ${kinds.join(', ')}, e.g. ${examples}${kinds.includes('segment') ? ', { segment: internal-testers }' : ''}`,
  );
}

const condition = conditionSchema(
  { ...conditionFields, segment: hint(name, 'the name of a Segment', 'invalid segment name').optional() },
  CONDITION_KINDS,
);
/** Inside a Segment: no segment references, so segments never form cycles. */
const segmentCondition = conditionSchema(
  conditionFields,
  CONDITION_KINDS.filter((k) => k !== 'segment'),
);

export const matchList = hint(
  z.array(condition).min(1).max(MAX_CONDITIONS),
  `a list of 1 to ${MAX_CONDITIONS} conditions, all of which must hold`,
  'wrong number of conditions',
);
const segmentMatchList = hint(
  z.array(segmentCondition).min(1).max(MAX_CONDITIONS),
  `a list of 1 to ${MAX_CONDITIONS} conditions, all of which must hold`,
  'wrong number of conditions',
);

export const segmentSpec = hint(
  z
    .strictObject({
      match: segmentMatchList.optional(),
      anyOf: hint(
        z.array(hint(z.strictObject({ match: segmentMatchList }), 'a map with match')).min(1).max(MAX_CONDITIONS),
        `a list of 1 to ${MAX_CONDITIONS} alternatives, each { match: [conditions] }`,
        'wrong number of alternatives',
      ).optional(),
    })
    .superRefine(exactlyOneKey(['match', 'anyOf'], 'a Segment spec'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of match (all must hold) or anyOf (one of several match lists)',
);

/** `split: { v2: 5 }`: one version and its percent of the matching users. */
const ruleSplit = hint(
  z
    .record(z.string(), weight)
    .refine((v) => Object.keys(v).length === 1)
    .meta({ minProperties: 1, maxProperties: 1, propertyNames: { type: 'string', maxLength: 63, pattern: VERSION_NAME_PATTERN.source, description: VERSION_NAME_EXPECTED } }),
  'a map of one version to its percent of the matching users, e.g. { v2: 5 }',
  'a rule split names exactly one version',
);

export const routeRule = hint(
  z
    .strictObject({
      name: hint(name, 'a rule name, unique in the service', 'invalid rule name'),
      match: matchList,
      version: hint(versionName, 'the version that serves matching requests', 'invalid version name').optional(),
      split: ruleSplit.optional(),
    })
    .superRefine(exactlyOneKey(['version', 'split'], 'a route')),
  'a map with name, match and exactly one of version or split',
);

export const routes = hint(z.array(routeRule).min(1).max(64), 'a list of 1 to 64 routes, tried in order', 'wrong number of routes');

export const setHeaderRoute = hint(
  z.strictObject({ name: hint(name, 'a route name', 'invalid route name'), match: matchList.optional() }),
  'a map with name and match (without match the route is removed)',
);

export const setSegmentRoute = hint(
  z.strictObject({
    segment: hint(name, 'the name of a Segment', 'invalid segment name'),
    remove: hint(z.boolean(), 'true to remove the route', 'remove must be true or false').optional(),
  }),
  'a map with segment and optional remove: true',
);

export const setMirror = hint(
  z.strictObject({
    percent: percent('percent out of range'),
    maxBodyBytes: hint(
      z.int().min(0).max(MAX_MIRROR_BODY_BYTES),
      `bytes from 0 to ${MAX_MIRROR_BODY_BYTES} (default 1048576): larger requests are not mirrored`,
      'maxBodyBytes out of range',
    ).optional(),
  }),
  'a map with percent (0 stops mirroring) and optional maxBodyBytes',
);
