import { BUILTIN_ARGS, DEFAULT_CHECK_RETRIES, DEFAULT_GATE } from '@sluice/domain';
import { z } from 'zod';
import { judge, JUDGES_NEEDING_QUERY, query } from './judge-schemas.js';
import type { RawJudge } from './judge-schemas.js';
import { ARG_NAME_PATTERN, isBuiltinArg } from './placeholders.js';
import { DNS_LABEL, duration, exactlyOneKey, hint, HTTP_URL_PATTERN, name, portInRange, TOKEN_PATTERN } from './schema-hints.js';

/**
 * Schemas of an AnalysisTemplate's spec and of what every metric check has (provider, query, judge,
 * window, timeout, retries), as written in YAML. Checklist verifications and adaptive health checks
 * reuse `checkFields`; guard conditions `metricFields`; analysis steps and background analysis reuse
 * `analysisRefFields`. Cross-field rules that need the whole document (unique names, placeholders
 * naming declared arguments) are in analysis-consistency.ts.
 */

export const PROVIDER_KINDS = ['builtin', 'prometheus', 'web', 'sql', 'command'] as const;
export const MAX_METRICS = 20;
export const MAX_ARGS = 50;
export const MAX_TEMPLATES_PER_ANALYSIS = 10;
const MAX_GATE_COUNT = 1_000_000;
const MAX_CHECK_TIMEOUT_MS = 10 * 60_000;
const SQL_URL_PATTERN = /^(postgres(ql)?:\/\/\S+|sqlite:.+)$/;

export const httpUrl = (expected: string, invalid: string) =>
  hint(z.string().max(2048).regex(HTTP_URL_PATTERN).refine(portInRange(HTTP_URL_PATTERN, 3)), expected, invalid);

export const headerMap = hint(
  z.record(
    hint(z.string().max(256).regex(TOKEN_PATTERN), 'an HTTP header name, e.g. authorization', 'invalid header name'),
    hint(z.string().max(8192), 'a header value (quote numbers, e.g. "42")'),
  ),
  'a map of HTTP header names to values',
);

const empty = (what: string) => hint(z.strictObject({}), `an empty map, {} (${what})`);

const provider = hint(
  z
    .strictObject({
      builtin: empty("the built-in proxy's per-version metrics").optional(),
      prometheus: hint(
        z.strictObject({ address: httpUrl("the Prometheus server's absolute http(s) URL, e.g. http://127.0.0.1:9090", 'invalid Prometheus address') }),
        'a map with address',
      ).optional(),
      web: hint(
        z.strictObject({
          baseUrl: httpUrl('an absolute http(s) URL that relative query URLs resolve against', 'invalid baseUrl').optional(),
          jsonPath: hint(z.string().min(1).max(1024), 'a JSON path to the number in the response, e.g. $.data.value', 'invalid jsonPath').optional(),
          headers: headerMap.optional(),
        }),
        'a map with optional baseUrl, jsonPath and headers',
      ).optional(),
      sql: hint(
        z.strictObject({ url: hint(z.string().max(4096).regex(SQL_URL_PATTERN), 'postgres://…, postgresql://… or sqlite:path', 'invalid SQL URL') }),
        'a map with url',
      ).optional(),
      command: empty('the query is the command line, run without a shell').optional(),
    })
    .superRefine(exactlyOneKey(PROVIDER_KINDS, 'a provider'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  `a map with exactly one of ${PROVIDER_KINDS.join(', ')}, e.g. { builtin: {} } or { prometheus: { address: http://127.0.0.1:9090 } }`,
);

/** What every measured check has: a metric of a template and a checklist verification alike. */
export const checkFields = {
  provider,
  query: query.optional(),
  judge,
  window: duration(1000).optional(),
  timeout: duration(1, MAX_CHECK_TIMEOUT_MS).optional(),
  retries: hint(
    z.int().min(0).max(10),
    `an integer from 0 to 10 (default ${DEFAULT_CHECK_RETRIES}): provider attempts after the first`,
    'retries out of range',
  ).optional(),
};

/** threshold, baseline and mannWhitney judges measure the check's own query, so it must be there. */
export function queryForJudge(value: { readonly query?: string | undefined; readonly judge: RawJudge }, ctx: z.RefinementCtx): void {
  const kind = JUDGES_NEEDING_QUERY.find((k) => value.judge[k] !== undefined);
  if (kind === undefined || value.query !== undefined) return;
  const message = `a ${kind} judge needs a query`;
  ctx.addIssue({ code: 'custom', path: ['query'], message, params: { message, expected: query.description } });
}

/** Each gate setting's default as a person reads it ("never" for a limit that is never reached). */
export type GateDefaults = { readonly [K in keyof typeof DEFAULT_GATE]: string };

function gateLimit(field: keyof typeof DEFAULT_GATE, min: number, defaults: GateDefaults, what: string) {
  return hint(
    z.int().min(min).max(MAX_GATE_COUNT),
    `an integer from ${min} to ${MAX_GATE_COUNT} (default ${defaults[field]}): ${what}`,
    `${field} out of range`,
  ).optional();
}

/**
 * What a metric has besides its name: interval, initialDelay, the gate settings and the check. A
 * template's metric and a guard condition share them; `defaults` and `until` (when count 0 stops)
 * are what their hints say.
 */
export function metricFields(defaults: GateDefaults, until: string) {
  return {
    interval: duration(1000).optional(),
    initialDelay: duration(0).optional(),
    count: gateLimit('count', 0, defaults, `measurements to take; 0 means until ${until}`),
    failureLimit: gateLimit('failureLimit', -1, defaults, 'failed measurements allowed; -1 never fails on count'),
    inconclusiveLimit: gateLimit('inconclusiveLimit', 0, defaults, 'inconclusive measurements allowed before a person decides'),
    consecutiveErrorLimit: gateLimit('consecutiveErrorLimit', 0, defaults, 'provider errors in a row allowed before the analysis halts'),
    consecutiveSuccessLimit: gateLimit('consecutiveSuccessLimit', 0, defaults, 'passes in a row that pass the metric early; 0 turns it off'),
    ...checkFields,
  };
}

const TEMPLATE_GATE_DEFAULTS: GateDefaults = {
  count: String(DEFAULT_GATE.count),
  failureLimit: String(DEFAULT_GATE.failureLimit),
  inconclusiveLimit: String(DEFAULT_GATE.inconclusiveLimit),
  consecutiveErrorLimit: String(DEFAULT_GATE.consecutiveErrorLimit),
  consecutiveSuccessLimit: String(DEFAULT_GATE.consecutiveSuccessLimit),
};

const metric = hint(
  z
    .strictObject({
      name: hint(name, `a metric name, unique in the template (${DNS_LABEL})`, 'invalid metric name'),
      ...metricFields(TEMPLATE_GATE_DEFAULTS, 'the step ends'),
    })
    .superRefine(queryForJudge),
  'a map with name, provider, judge and optional query, interval, initialDelay, count, failureLimit, inconclusiveLimit, consecutiveErrorLimit, consecutiveSuccessLimit, window, timeout and retries',
);

export const ARG_NAME_EXPECTED = `an argument name (a letter or "_", then letters, digits and "_", at most 63 characters) other than the built-in ${BUILTIN_ARGS.join(', ')}`;

export const argName = hint(
  z
    .string()
    .max(63)
    .regex(ARG_NAME_PATTERN)
    .superRefine((text, ctx) => {
      if (!isBuiltinArg(text)) return;
      const message = `"${text}" is a built-in argument: Sluice sets it`;
      ctx.addIssue({ code: 'custom', message, params: { message, expected: ARG_NAME_EXPECTED } });
    }),
  ARG_NAME_EXPECTED,
  'invalid argument name',
);

/** Numbers are accepted and turned into text: `maxErrorRate: 0.02` is "0.02". */
export const argValue = hint(
  z.union([z.string().max(4096), z.number()]),
  'a string of at most 4096 characters (a number is turned into text, e.g. 0.02 → "0.02")',
  'invalid argument value',
);

const templateArg = hint(
  z.strictObject({ name: argName, value: argValue.optional() }),
  'a map with name and an optional default value, e.g. { name: maxErrorRate, value: "0.01" }',
);

export const templateSpec = hint(
  z.strictObject({
    args: hint(z.array(templateArg).max(MAX_ARGS), `a list of at most ${MAX_ARGS} arguments, each { name, value? }`, 'too many arguments').optional(),
    metrics: hint(z.array(metric).min(1).max(MAX_METRICS), `a list of 1 to ${MAX_METRICS} metrics`, 'wrong number of metrics'),
  }),
  'a map with metrics and optional args',
);

function uniqueNames(what: string, list: string) {
  return (names: readonly string[], ctx: z.RefinementCtx) => {
    names.forEach((item, i) => {
      const first = names.indexOf(item);
      if (first === i) return;
      const message = `duplicate ${what} "${item}": already listed as ${list}[${first}]`;
      ctx.addIssue({ code: 'custom', path: [i], message, params: { message, expected: `each ${what} once` } });
    });
  };
}

/** `templates` and `args` of an analysis step and of background analysis. */
export const analysisRefFields = {
  templates: hint(
    z
      .array(hint(name, `the name of an AnalysisTemplate (${DNS_LABEL})`, 'invalid template name'))
      .min(1)
      .max(MAX_TEMPLATES_PER_ANALYSIS)
      .superRefine(uniqueNames('template', 'templates')),
    `a list of 1 to ${MAX_TEMPLATES_PER_ANALYSIS} AnalysisTemplate names`,
    'wrong number of templates',
  ),
  args: hint(
    z
      .record(argName, argValue)
      .refine((args) => Object.keys(args).length <= MAX_ARGS)
      .meta({ maxProperties: MAX_ARGS }),
    `a map of at most ${MAX_ARGS} argument names to values, e.g. { maxErrorRate: "0.02" }`,
    'too many arguments',
  ).optional(),
};

export type RawTemplateSpec = z.output<typeof templateSpec>;
export type RawMetric = RawTemplateSpec['metrics'][number];
export type RawProvider = RawMetric['provider'];
/** A metric or a verification: what toMetricCheck reads. */
export type RawCheck = Pick<RawMetric, keyof typeof checkFields>;
