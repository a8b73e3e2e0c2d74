import { ErrorCode, parseByteSize, parseDuration, SluiceError } from '@sluice/domain';
import type { RouteHealthCheck, RouteLimits, RouteOutlierPolicy, RouteProxySettings } from '@sluice/domain';
import type { ServiceDocument } from './schemas.js';

type RawProxy = NonNullable<ServiceDocument['spec']['proxy']>;
type RawLimits = NonNullable<RawProxy['limits']>;
type RawOutlier = NonNullable<RawProxy['outlierDetection']>;
type RawHealthCheck = NonNullable<RawProxy['healthCheck']>;

/** Host names as the domain holds them: lower-case (DNS names are case-insensitive). */
export function toHosts(raw: readonly string[]): string[] {
  return raw.map((host) => host.toLowerCase());
}

/**
 * A validated `spec.proxy` in the domain's units (bytes, milliseconds) and names
 * (`maxHeaderSize` → `maxHeaderBytes`, `outlierDetection` → `outlier`, `interval` → `intervalMs`).
 * Only the fields written are set, so the data plane's defaults apply to the rest.
 */
export function toProxySettings(raw: RawProxy): RouteProxySettings {
  return {
    ...(raw.limits === undefined ? {} : { limits: toLimits(raw.limits) }),
    ...(raw.outlierDetection === undefined ? {} : { outlier: toOutlier(raw.outlierDetection) }),
    ...(raw.healthCheck === undefined ? {} : { healthCheck: toHealthCheck(raw.healthCheck) }),
  };
}

function toLimits(raw: RawLimits): RouteLimits {
  return {
    ...optional('maxHeaderBytes', raw.maxHeaderSize, bytes),
    ...optional('maxBodyBytes', raw.maxBodySize, bytes),
    ...optional('connectTimeoutMs', raw.connectTimeout, ms),
    ...optional('headersTimeoutMs', raw.headersTimeout, ms),
    ...optional('idleTimeoutMs', raw.idleTimeout, ms),
    ...optional('requestTimeoutMs', raw.requestTimeout, (v) => (v === 0 ? 0 : ms(v))),
  };
}

function toOutlier(raw: RawOutlier): RouteOutlierPolicy {
  return {
    ...optional('consecutiveFailures', raw.consecutiveFailures, same),
    ...optional('baseEjectionMs', raw.baseEjectionTime, ms),
    ...optional('maxEjectionMs', raw.maxEjectionTime, ms),
    ...optional('maxEjectedPercent', raw.maxEjectedPercent, same),
  };
}

function toHealthCheck(raw: RawHealthCheck): RouteHealthCheck {
  return {
    ...optional('path', raw.path, same),
    ...optional('intervalMs', raw.interval, ms),
    ...optional('timeoutMs', raw.timeout, ms),
    ...optional('healthyThreshold', raw.healthyThreshold, same),
    ...optional('unhealthyThreshold', raw.unhealthyThreshold, same),
  };
}

/** `{ [key]: convert(value) }`, or `{}` when the field was left out. */
function optional<K extends string, T, R>(key: K, value: T | undefined, convert: (v: T) => R): { [P in K]?: R } {
  return value === undefined ? {} : ({ [key]: convert(value) } as { [P in K]?: R });
}

function same<T>(value: T): T {
  return value;
}

/** The schema has already accepted the value, so these fail only if schema and parser disagree. */
function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new SluiceError(ErrorCode.INTERNAL, `duration "${text}" passed the schema but not parseDuration`);
  return value;
}

function bytes(raw: string | number): number {
  const value = parseByteSize(raw);
  if (value === undefined) throw new SluiceError(ErrorCode.INTERNAL, `size "${raw}" passed the schema but not parseByteSize`);
  return value;
}
