import type { ProxyObservation } from '@sluice/proxy';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

type RequestLabels = 'service' | 'version' | 'code';
type VersionLabels = 'service' | 'version';

/** Label children bound once per (service, version), so the hot path does map lookups only. */
interface VersionSeries {
  readonly errors: Counter.Internal;
  readonly duration: Histogram.Internal<VersionLabels>;
  readonly byCode: Map<number, Counter.Internal>;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Registers the proxy's metrics in `registry` (reusing them if already there) and returns the
 * observer to hand to BuiltinProxy. Errors are 5xx answers and proxy failures, not clients leaving.
 */
export function bindProxyMetrics(registry: Registry): (observation: ProxyObservation) => void {
  const requests = counter<RequestLabels>(registry, 'sluice_proxy_requests_total', 'Requests served by the built-in proxy.', ['service', 'version', 'code']);
  const errors = counter<VersionLabels>(registry, 'sluice_proxy_errors_total', 'Requests that ended in a 5xx or a proxy failure.', ['service', 'version']);
  const duration =
    (registry.getSingleMetric('sluice_proxy_request_duration_seconds') as Histogram<VersionLabels> | undefined) ??
    new Histogram<VersionLabels>({
      name: 'sluice_proxy_request_duration_seconds',
      help: 'Time from request start to response end, through the built-in proxy.',
      labelNames: ['service', 'version'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  const services = new Map<string, Map<string, VersionSeries>>();

  return (observation) => {
    const { service, version, status } = observation;
    let versions = services.get(service);
    if (versions === undefined) services.set(service, (versions = new Map()));
    let series = versions.get(version);
    if (series === undefined) {
      series = { errors: errors.labels(service, version), duration: duration.labels(service, version), byCode: new Map() };
      // Publish the error series at 0 right away, so an error-rate query has data before the first failure.
      series.errors.inc(0);
      versions.set(version, series);
    }
    let requestsOfCode = series.byCode.get(status);
    if (requestsOfCode === undefined) series.byCode.set(status, (requestsOfCode = requests.labels(service, version, String(status))));
    requestsOfCode.inc();
    series.duration.observe(observation.durationMs / 1000);
    if (status >= 500 || observation.error !== undefined) series.errors.inc();
  };
}

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  const existing = registry.getSingleMetric(name) as Counter<T> | undefined;
  return existing ?? new Counter<T>({ name, help, labelNames, registers: [registry] });
}
