import type { ProxyObservation } from '@sluice/proxy';

/** One line of the JSON access log the rendered config writes (log_format escape=json). */
interface AccessLogLine {
  readonly service?: unknown;
  readonly version?: unknown;
  readonly route?: unknown;
  readonly status?: unknown;
  readonly requestTime?: unknown;
  readonly upstreamStatus?: unknown;
  readonly key?: unknown;
}

/**
 * The observation of one access-log line, or undefined for a line that is not Sluice's. The cause
 * is read from the status, since nginx logs no reason: 504 a timeout, 502 or 503 without an upstream
 * status no endpoint (the version has none), any other 502 a refused or broken upstream connection;
 * 499 (the client left) has none.
 */
export function observationOf(line: string): ProxyObservation | undefined {
  let parsed: AccessLogLine;
  try {
    parsed = JSON.parse(line) as AccessLogLine;
  } catch {
    return undefined;
  }
  const { service, version, route, status, requestTime, upstreamStatus, key } = parsed;
  if (typeof service !== 'string' || typeof version !== 'string' || typeof route !== 'string') return undefined;
  if (typeof status !== 'number' || typeof requestTime !== 'number') return undefined;
  const upstream = typeof upstreamStatus === 'string' ? upstreamStatus : '';
  const noUpstream = upstream === '' || upstream === '-';
  const cause = status === 504 ? 'timeout' : status === 502 ? (noUpstream ? 'no-endpoint' : 'refused') : status === 503 && noUpstream ? 'no-endpoint' : undefined;
  return {
    service,
    version,
    route,
    status,
    durationMs: Math.round(requestTime * 1000),
    ...(cause === undefined ? {} : { cause }),
    ...(typeof key === 'string' && key !== '' ? { key } : {}),
  };
}
