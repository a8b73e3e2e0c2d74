import { z } from 'zod';
import { checkCondition } from './placeholders.js';
import { exactlyOneKey, hint } from './schema-hints.js';

/**
 * Schemas of a metric's `judge`, as written in YAML: exactly one of threshold, baseline, mannWhitney,
 * errorRate or latency. Numeric bounds are those the domain's judges check at run time (sequential.ts,
 * mann-whitney.ts, baseline.ts), so a spec that parses never makes a judge throw.
 */

export const JUDGE_KINDS = ['threshold', 'baseline', 'mannWhitney', 'errorRate', 'latency', 'errorBurst'] as const;
/** Judges that measure the metric's own `query` (errorRate and latency have queries of their own). */
export const JUDGES_NEEDING_QUERY = ['threshold', 'baseline', 'mannWhitney'] as const;

/** The quantiles the builtin provider has a latency metric for, and that metric's name. */
export const LATENCY_REFERENCES: ReadonlyMap<number, string> = new Map([
  [0.5, 'latency-p50'],
  [0.9, 'latency-p90'],
  [0.99, 'latency-p99'],
]);
export const DEFAULT_LATENCY_QUANTILE = 0.99;

/** A query in the provider's language (PromQL, a URL, SQL, a command line, a builtin metric name), with {{placeholders}}. */
export const query = hint(
  z.string().min(1).max(4096),
  'a query in the provider\'s language with optional {{placeholders}}, at most 4096 characters (for builtin: a metric name such as error-rate)',
  'invalid query',
);

/** A condition over the measurement (`result`); placeholders are read as numbers when it is checked here. */
export const condition = hint(
  z.string().superRefine((text, ctx) => {
    const checked = checkCondition(text);
    if (!('problem' in checked)) return;
    const { message, found, expected } = checked.problem;
    ctx.addIssue({ code: 'custom', message, params: { message, found, expected } });
  }),
  'a condition such as "result < 0.01" or "result[0] <= {{args.max}}" (comparisons, && ||, + - * /, abs min max isNaN default len)',
  'invalid condition',
);

/** A number from `min` to `max` (no upper end when `max` is undefined); `exclusive` leaves the ends out. */
function bounded(field: string, min: number, max: number | undefined, exclusive = false) {
  const low = exclusive ? z.number().gt(min) : z.number().min(min);
  const base = max === undefined ? low : exclusive ? low.lt(max) : low.max(max);
  const range = max === undefined ? `of at least ${min}` : exclusive ? `between ${min} and ${max} (exclusive)` : `from ${min} to ${max}`;
  return hint(base, `a number ${range}`, `${field} out of range`).optional();
}

const atLeast = (field: string, min: number) => bounded(field, min, undefined);
const count = (field: string) => hint(z.int().min(0), 'a whole number of at least 0', `${field} out of range`).optional();
const direction = hint(z.enum(['increase', 'decrease', 'either']), 'increase, decrease or either: which change is bad', 'invalid direction').optional();

const threshold = hint(
  z
    .strictObject({ successCondition: condition.optional(), failureCondition: condition.optional() })
    .superRefine((value, ctx) => {
      if (value.successCondition !== undefined || value.failureCondition !== undefined) return;
      const message = 'a threshold judge needs a successCondition or a failureCondition';
      ctx.addIssue({ code: 'custom', message, params: { message, found: 'neither', expected: 'successCondition, failureCondition or both' } });
    }),
  'a map with successCondition and/or failureCondition, e.g. { successCondition: "result < 0.01" }',
);

const baseline = hint(
  z.strictObject({
    direction,
    absoluteTolerance: atLeast('absoluteTolerance', 0),
    relativeTolerance: atLeast('relativeTolerance', 0),
  }),
  'a map with optional direction, absoluteTolerance and relativeTolerance',
);

const mannWhitney = hint(
  z.strictObject({
    direction,
    allowedIncrease: hint(z.number(), 'a number: the effect size an increase needs to count', 'invalid allowedIncrease').optional(),
    allowedDecrease: hint(z.number(), 'a number: the effect size a decrease needs to count', 'invalid allowedDecrease').optional(),
    confidenceLevel: bounded('confidenceLevel', 0, 1, true),
    tolerance: atLeast('tolerance', 0),
    effectSizeMeasure: hint(z.enum(['meanRatio', 'cles']), 'meanRatio or cles', 'invalid effectSizeMeasure').optional(),
    outlierStrategy: hint(z.enum(['keep', 'remove']), 'keep or remove', 'invalid outlierStrategy').optional(),
    nanStrategy: hint(z.enum(['remove', 'replace']), 'remove or replace', 'invalid nanStrategy').optional(),
    outlierFactor: hint(z.number().gt(0), 'a number above 0', 'outlierFactor out of range').optional(),
    mustHaveData: hint(z.boolean(), 'true or false', 'mustHaveData must be true or false').optional(),
  }),
  'a map with optional direction, allowedIncrease, allowedDecrease, confidenceLevel, tolerance, effectSizeMeasure, outlierStrategy, nanStrategy, outlierFactor and mustHaveData',
);

/** The sequential tests' options (sequential.ts TEST_BOUNDS). */
const proportionTest = {
  minRequests: count('minRequests'),
  alpha: bounded('alpha', 1e-12, 0.5),
  tau: bounded('tau', 1e-9, 10),
  tolerance: bounded('tolerance', 0, 1),
  relativeTolerance: bounded('relativeTolerance', 0, 1000),
};

const errorRate = hint(
  z.strictObject({
    requestsQuery: query.optional(),
    errorsQuery: query.optional(),
    ...proportionTest,
    fastRatio: atLeast('fastRatio', 1),
    fastMinErrors: count('fastMinErrors'),
    fastPValue: bounded('fastPValue', 0, 1),
    errorFloor: bounded('errorFloor', 0, 1),
  }),
  'a map with optional requestsQuery (default "requests"), errorsQuery (default "errors") and test options',
);

const knownQuantiles = [...LATENCY_REFERENCES.keys()].join(', ');
const latency = hint(
  z
    .strictObject({
      quantile: bounded('quantile', 0, 1, true),
      referenceQuery: query.optional(),
      aboveQuery: query.optional(),
      requestsQuery: query.optional(),
      ...proportionTest,
    })
    .superRefine((value, ctx) => {
      const quantile = value.quantile ?? DEFAULT_LATENCY_QUANTILE;
      // A quantile out of range has a problem of its own.
      if (value.referenceQuery !== undefined || LATENCY_REFERENCES.has(quantile) || !(quantile > 0 && quantile < 1)) return;
      const message = `quantile ${quantile} has no default referenceQuery`;
      const expected = `a referenceQuery giving the stable version's ${quantile} quantile in ms (defaults exist only for quantile ${knownQuantiles})`;
      ctx.addIssue({ code: 'custom', path: ['referenceQuery'], message, params: { message, expected } });
    }),
  'a map with optional quantile (default 0.99), referenceQuery, aboveQuery (default "requests-above"), requestsQuery (default "requests") and test options',
);

const errorBurst = hint(
  z.strictObject({
    requestsQuery: query.optional(),
    errorsQuery: query.optional(),
    windows: hint(z.array(z.int().min(1).max(300)).min(1).max(8), 'a list of 1 to 8 window lengths in whole seconds, e.g. [2, 4, 8]', 'invalid windows').optional(),
    baselineWindow: hint(z.int().min(5).max(3600), 'whole seconds of stable traffic to take the rate from, 5 to 3600', 'invalid baselineWindow').optional(),
    minErrors: count('minErrors'),
    minRatio: atLeast('minRatio', 1),
    pValue: bounded('pValue', 0, 1),
    errorFloor: bounded('errorFloor', 0, 1),
    minBaseline: count('minBaseline'),
  }),
  'a map with optional requestsQuery, errorsQuery, windows (default [2, 4, 8]), baselineWindow (default 60) and test options',
);

export const judge = hint(
  z
    .strictObject({
      threshold: threshold.optional(),
      baseline: baseline.optional(),
      mannWhitney: mannWhitney.optional(),
      errorRate: errorRate.optional(),
      latency: latency.optional(),
      errorBurst: errorBurst.optional(),
    })
    .superRefine(exactlyOneKey(JUDGE_KINDS, 'a judge'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  `a map with exactly one of ${JUDGE_KINDS.join(', ')}`,
);

export type RawJudge = z.output<typeof judge>;
