import { BYTE_SIZE_PATTERN, formatByteSize, formatDuration, HOST_NAME_PATTERN, isHostName, MAX_HOSTS, parseByteSize, parseDuration } from '@sluice/domain';
import { z } from 'zod';
import { describeValue } from './problem-at.js';
import { duration, hint } from './schema-hints.js';

/**
 * Schemas of a Service's `hosts` and `proxy` (data-plane settings), as written in YAML: sizes as
 * `16KiB` or bytes, durations as `30s`. proxy-to-domain.ts turns them into the domain's
 * RouteProxySettings (bytes and milliseconds).
 */

/**
 * The built-in proxy's defaults for the settings checked against each other (proxy/src:
 * DEFAULT_OUTLIER_POLICY, DEFAULT_HEALTH_CHECK); a control-plane test keeps the two in step.
 */
export const PROXY_TIMING_DEFAULTS = {
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  healthCheckIntervalMs: 5_000,
  healthCheckTimeoutMs: 2_000,
} as const;

/** Longest proxy timeout or interval: one day (node timers cannot go beyond 24.8 days). */
const MAX_PROXY_DURATION_MS = 24 * 3_600_000;
const KIB = 1024;

export const HOST_NAME_EXPECTED =
  'a DNS host name without port, e.g. shop.example.com, optionally starting with "*." to match one or more labels (*.shop.example.com)';

const hostName = hint(z.string().max(255).regex(HOST_NAME_PATTERN).refine(isHostName), HOST_NAME_EXPECTED, 'invalid host name');

/** Host names are compared without regard to case: a second "Shop.example.com" is a duplicate of "shop.example.com". */
function uniqueHosts(hosts: readonly string[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  hosts.forEach((host, i) => {
    const first = seen.get(host.toLowerCase());
    if (first === undefined) {
      seen.set(host.toLowerCase(), i);
      return;
    }
    const message = `duplicate host "${host}": already listed as hosts[${first}]`;
    ctx.addIssue({ code: 'custom', path: [i], message, params: { message, expected: 'each host name once per service' } });
  });
}

export const serviceHosts = hint(
  z.array(hostName).min(1).max(MAX_HOSTS).superRefine(uniqueHosts),
  `a list of 1 to ${MAX_HOSTS} host names this service answers on its listen address (leave hosts out to take every host no other service claims)`,
  'wrong number of hosts',
);

/** A size in bytes: a whole number, or text with a unit (16KiB, 10MiB, 1GB). */
function byteSize(field: string, min: number, max: number) {
  const range = `from ${formatByteSize(min)} to ${formatByteSize(max)}`;
  return hint(
    z
      .union([z.int().meta({ minimum: min, maximum: max }), z.string().regex(BYTE_SIZE_PATTERN)])
      .superRefine((value, ctx) => {
        // Text that is not a size at all was already reported by the union.
        if (typeof value === 'string' && !BYTE_SIZE_PATTERN.test(value)) return;
        const bytes = parseByteSize(value);
        if (bytes !== undefined && bytes >= min && bytes <= max) return;
        const message = `${field} out of range`;
        ctx.addIssue({ code: 'custom', message, params: { message } });
      }),
    `a size like 16KiB, 10MiB or a number of bytes, ${range}`,
    'invalid size',
  );
}

const proxyDuration = () => duration(1, MAX_PROXY_DURATION_MS);
const count = (field: string, min: number, max: number, what: string) =>
  hint(z.int().min(min).max(max), `an integer from ${min} to ${max}${what}`, `${field} out of range`);

const limits = hint(
  z.strictObject({
    maxHeaderSize: byteSize('maxHeaderSize', KIB, KIB ** 2).optional(),
    maxBodySize: byteSize('maxBodySize', 1, 10 * KIB ** 3).optional(),
    connectTimeout: proxyDuration().optional(),
    headersTimeout: proxyDuration().optional(),
    idleTimeout: proxyDuration().optional(),
    requestTimeout: hint(
      z.union([z.literal(0), duration(0, MAX_PROXY_DURATION_MS)]),
      `a duration like 30s or 5m, at most ${formatDuration(MAX_PROXY_DURATION_MS)}, or 0 to turn the limit off`,
      'invalid duration',
    ).optional(),
  }),
  'a map with optional maxHeaderSize, maxBodySize, connectTimeout, headersTimeout, idleTimeout and requestTimeout',
);

const outlierDetection = hint(
  z
    .strictObject({
      consecutiveFailures: count('consecutiveFailures', 0, 1000, ' (0 turns ejection off)').optional(),
      baseEjectionTime: proxyDuration().optional(),
      maxEjectionTime: proxyDuration().optional(),
      maxEjectedPercent: count('maxEjectedPercent', 0, 100, " (percent of a version's instances)").optional(),
    })
    .superRefine((value, ctx) => {
      const base = { field: 'baseEjectionTime', text: value.baseEjectionTime, defaultMs: PROXY_TIMING_DEFAULTS.baseEjectionMs };
      const max = { field: 'maxEjectionTime', text: value.maxEjectionTime, defaultMs: PROXY_TIMING_DEFAULTS.maxEjectionMs };
      notLonger(ctx, base, max, false);
    }),
  'a map with optional consecutiveFailures, baseEjectionTime, maxEjectionTime and maxEjectedPercent',
);

const healthCheck = hint(
  z
    .strictObject({
      path: hint(z.string().regex(/^\//).max(2048), 'a URL path starting with "/"', 'invalid health check path').optional(),
      interval: proxyDuration().optional(),
      timeout: proxyDuration().optional(),
      healthyThreshold: count('healthyThreshold', 1, 100, ' (passes in a row that bring an instance back)').optional(),
      unhealthyThreshold: count('unhealthyThreshold', 1, 100, ' (failures in a row that take an instance out)').optional(),
    })
    .superRefine((value, ctx) => {
      const timeout = { field: 'timeout', text: value.timeout, defaultMs: PROXY_TIMING_DEFAULTS.healthCheckTimeoutMs };
      const interval = { field: 'interval', text: value.interval, defaultMs: PROXY_TIMING_DEFAULTS.healthCheckIntervalMs };
      notLonger(ctx, timeout, interval, true);
    }),
  'a map with optional path, interval, timeout, healthyThreshold and unhealthyThreshold ({} checks with the defaults)',
);

interface TimedField {
  readonly field: string;
  /** As written; undefined when left out (the default applies). */
  readonly text: string | undefined;
  readonly defaultMs: number;
}

/**
 * Reports `short` when it is longer than `long` (or as long, when `strictly`), taking the default
 * for the one left out; nothing when both are left out. Reported at the field that was given.
 */
function notLonger(ctx: z.RefinementCtx, short: TimedField, long: TimedField, strictly: boolean): void {
  if (short.text === undefined && long.text === undefined) return;
  const shortMs = short.text === undefined ? short.defaultMs : parseDuration(short.text);
  const longMs = long.text === undefined ? long.defaultMs : parseDuration(long.text);
  if (shortMs === undefined || longMs === undefined || shortMs < longMs || (!strictly && shortMs === longMs)) return;
  const label = (f: TimedField, ms: number) => (f.text === undefined ? `${formatDuration(ms)}, the default` : f.text);
  const at = short.text === undefined ? long : short;
  const relation = strictly ? 'shorter than' : 'at most';
  const message = `${short.field} (${label(short, shortMs)}) must be ${relation} ${long.field} (${label(long, longMs)})`;
  ctx.addIssue({
    code: 'custom',
    path: [at.field],
    message,
    params: { message, found: describeValue(at.text), expected: `${short.field} ${relation} ${long.field}` },
  });
}

export const proxySettings = hint(
  z.strictObject({ limits: limits.optional(), outlierDetection: outlierDetection.optional(), healthCheck: healthCheck.optional() }),
  'a map with optional limits, outlierDetection and healthCheck',
);
