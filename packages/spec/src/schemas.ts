import { isValidWeight, parseDuration } from '@sluice/domain';
import { z } from 'zod';

/**
 * Zod schemas of the documents as written (durations as text, defaults not applied); to-domain.ts turns
 * a valid document into the domain types. Every leaf carries a hint: `expected` says what a valid value
 * looks like (it is also the JSON Schema description editors show) and `invalid` names the problem.
 */
export interface Hint {
  /** What a valid value looks like, e.g. "a duration like 500ms, 30s, 5m, 1h". */
  readonly expected: string;
  /** The problem message when the value has the right type but is not valid, e.g. "invalid duration". */
  readonly invalid?: string;
}

export const hints = z.registry<Hint>();

function hint<T extends z.ZodType>(schema: T, expected: string, invalid?: string): T {
  const described = schema.describe(expected);
  hints.add(described, invalid === undefined ? { expected } : { expected, invalid });
  return described;
}

export const API_VERSION = 'sluice.dev/v1';
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const VERSION_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
/** host:port; the host is a name, an IPv4 address or a bracketed IPv6 address. */
export const LISTEN_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const UPSTREAM_PATTERN = /^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}))?([/?#]\S*)?$/;
/** An HTTP token (RFC 9110), which is also what a cookie name must be. */
const TOKEN_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const portInRange = (pattern: RegExp, group: number) => (text: string) => {
  const port = pattern.exec(text)?.[group];
  return port === undefined || Number(port) <= 65535;
};

const DNS_LABEL = 'a name of lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

const name = hint(z.string().max(63).regex(NAME_PATTERN), DNS_LABEL, 'invalid name');
export const VERSION_NAME_EXPECTED =
  'a version name of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 63 characters';
const versionName = hint(z.string().max(63).regex(VERSION_NAME_PATTERN), VERSION_NAME_EXPECTED, 'invalid version name');

function duration(minMs: number): z.ZodString {
  const expected = `a duration like 500ms, 30s, 5m, 1h${minMs > 0 ? ', more than 0' : ''}, at most 720h`;
  const valid = (text: string) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms >= minMs;
  };
  return hint(z.string().regex(DURATION_PATTERN).refine(valid), expected, 'invalid duration');
}

const weight = hint(
  z
    .number()
    .min(0)
    .max(100)
    // Out-of-range values already fail min/max; this adds only the 0.01 resolution rule.
    .refine((w) => w < 0 || w > 100 || isValidWeight(w), { params: { message: 'weight is finer than 0.01' } })
    .meta({ multipleOf: 0.01 }),
  'a number from 0 to 100 in steps of 0.01',
  'weight out of range',
);

const readiness = hint(
  z.strictObject({
    path: hint(z.string().regex(/^\//).max(2048), 'a URL path starting with "/"', 'invalid readiness path').optional(),
    interval: duration(1).optional(),
    timeout: duration(1).optional(),
  }),
  'a map with optional path, interval and timeout',
);

const run = hint(
  z.strictObject({
    command: hint(z.string().trim().min(1).max(4096), 'a shell command, e.g. "node app.js"', 'invalid command'),
    env: hint(
      z.record(
        hint(z.string().regex(ENV_NAME_PATTERN), 'an environment variable name (letters, digits, "_")', 'invalid environment variable name'),
        hint(z.string(), 'a string (quote numbers and booleans, e.g. "8080")'),
      ),
      'a map of environment variable names to string values',
    ).optional(),
    replicas: hint(z.int().min(1).max(32), 'an integer from 1 to 32', 'replicas out of range').optional(),
    readiness: readiness.optional(),
    gracePeriod: duration(0).optional(),
    cwd: hint(z.string().min(1).max(4096), 'a directory path', 'invalid cwd').optional(),
  }),
  'a map with command and optional env, replicas, readiness, gracePeriod and cwd',
);

const upstreams = hint(
  z
    .array(
      hint(
        z.string().regex(UPSTREAM_PATTERN).refine(portInRange(UPSTREAM_PATTERN, 3)),
        'an absolute http(s) URL, e.g. http://127.0.0.1:9102',
        'invalid upstream URL',
      ),
    )
    .min(1)
    .max(64),
  'a list of 1 to 64 absolute http(s) URLs',
  'wrong number of upstreams',
);

export const VERSION_SOURCES = ['run', 'upstreams'] as const;
const version = hint(
  z
    .strictObject({ run: run.optional(), upstreams: upstreams.optional() })
    .superRefine(exactlyOneKey(VERSION_SOURCES, 'a version'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of run or upstreams',
);

const serviceSpec = z.strictObject({
  listen: hint(
    z.string().regex(LISTEN_PATTERN).refine(portInRange(LISTEN_PATTERN, 2)),
    'host:port with a port from 0 to 65535, e.g. 127.0.0.1:8080',
    'invalid listen address',
  ),
  stickiness: hint(
    z.strictObject({
      header: hint(z.string().max(256).regex(TOKEN_PATTERN), 'an HTTP header name, e.g. x-user-id', 'invalid header name').optional(),
      cookie: hint(z.string().max(256).regex(TOKEN_PATTERN), 'a cookie name, e.g. sluice-shop', 'invalid cookie name').optional(),
    }),
    'a map with optional header and cookie',
  ).optional(),
  versions: hint(
    // Version names are checked by check-consistency.ts: a bad key here would hide the problems in its value.
    z
      .record(z.string(), version)
      .refine((v) => Object.keys(v).length > 0)
      .meta({ minProperties: 1, propertyNames: { type: 'string', maxLength: 63, pattern: VERSION_NAME_PATTERN.source, description: VERSION_NAME_EXPECTED } }),
    'a map of version names to versions, with at least one version',
    'no versions',
  ),
  stable: hint(z.string(), 'the name of one of the versions'),
});

export const STEP_KINDS = ['setWeight', 'pause'] as const;
const step = hint(
  z
    .strictObject({
      setWeight: weight.optional(),
      pause: hint(z.strictObject({ duration: duration(0).optional() }), 'a map with an optional duration, e.g. {} or { duration: 30s }').optional(),
    })
    .superRefine(exactlyOneKey(STEP_KINDS, 'a step'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of setWeight or pause',
);

const rolloutSpec = z.strictObject({
  service: hint(name, `the name of a Service (${DNS_LABEL})`, 'invalid service name'),
  target: hint(versionName, 'the name of a version of the service', 'invalid version name'),
  strategy: hint(
    z.strictObject({
      canary: z.strictObject({
        steps: hint(z.array(step).min(1).max(100), 'a list of 1 to 100 steps', 'wrong number of steps'),
      }),
    }),
    'a map with canary',
  ),
  progressDeadline: duration(1000).optional(),
});

const apiVersion = hint(z.literal(API_VERSION), `"${API_VERSION}"`, 'unsupported apiVersion');
const metadata = z.strictObject({ name });

export const serviceDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Service'), '"Service"'),
  metadata,
  spec: hint(serviceSpec, 'a map with listen, versions, stable and optional stickiness'),
});

export const rolloutDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Rollout'), '"Rollout"'),
  metadata,
  spec: hint(rolloutSpec, 'a map with service, target and strategy'),
});

/** Only the apiVersion, for documents whose kind is unknown: their other fields cannot be checked. */
export const documentHeader = z.looseObject({ apiVersion });

export const resourceDocument = z.discriminatedUnion('kind', [serviceDocument, rolloutDocument]);

export type ServiceDocument = z.output<typeof serviceDocument>;
export type RolloutDocument = z.output<typeof rolloutDocument>;

/** A map with several optional keys of which exactly one must be given (a step, a version source). */
function exactlyOneKey(keys: readonly string[], what: string) {
  return (value: object, ctx: z.RefinementCtx) => {
    const given = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (given.length === 1) return;
    const message = `${what} must have exactly one of ${keys.join(', ')}`;
    ctx.addIssue({
      code: 'custom',
      message,
      params: {
        message,
        found: given.length === 0 ? 'none of them' : given.join(' and '),
        expected: `exactly one of ${keys.join(', ')}`,
      },
    });
  };
}
