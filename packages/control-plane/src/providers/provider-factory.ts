import type { MetricCheck, ProviderSpec } from '@sluice/domain';
import { BuiltinMetricProvider } from './builtin/builtin-provider.js';
import { CommandMetricProvider } from './command/command-provider.js';
import type { MetricProvider } from './metric-provider.js';
import { PrometheusMetricProvider } from './prometheus/prometheus-provider.js';
import { resilient, type ResilienceOptions } from './resilient-provider.js';
import { SqlMetricProvider } from './sql/sql-provider.js';
import type { TrafficSource } from './traffic-source.js';
import { WebMetricProvider } from './web/web-provider.js';

/** Turns a check's provider spec into a MetricProvider with its timeout and retries. */
export type ProviderResolver = (check: Pick<MetricCheck, 'provider' | 'timeoutMs' | 'retries'>) => MetricProvider;

export interface ProviderFactoryOptions {
  /** The built-in proxy's windows; undefined when the proxy runs elsewhere. */
  readonly traffic: TrafficSource | undefined;
  /** Working directory of command providers. */
  readonly cwd?: string | undefined;
  /** Injected for tests (no real backoff waits). */
  readonly resilience?: Pick<ResilienceOptions, 'sleep' | 'backoffMs'>;
}

function create(spec: ProviderSpec, options: ProviderFactoryOptions, timeoutMs: number): MetricProvider {
  switch (spec.kind) {
    case 'builtin':
      return new BuiltinMetricProvider(options.traffic);
    case 'prometheus':
      return new PrometheusMetricProvider({ url: spec.address, timeoutMs });
    case 'web':
      return webProvider(spec, timeoutMs);
    case 'sql':
      return new SqlMetricProvider({ url: spec.url, timeoutMs });
    case 'command':
      return new CommandMetricProvider({ timeoutMs, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  }
}

/** A web provider whose spec may fix the JSON path (a query's args.jsonPath still wins). */
function webProvider(spec: Extract<ProviderSpec, { kind: 'web' }>, timeoutMs: number): MetricProvider {
  // Without a base URL every query is an absolute URL: there is no one address to probe.
  const inner = new WebMetricProvider({
    ...(spec.baseUrl === undefined ? { reachabilityUrl: 'http://127.0.0.1/' } : { baseUrl: spec.baseUrl }),
    timeoutMs,
    ...(spec.headers === undefined ? {} : { headers: spec.headers }),
  });
  const jsonPath = spec.jsonPath;
  return {
    kind: inner.kind,
    reachable: (signal) => (spec.baseUrl === undefined ? Promise.resolve({ ok: true, detail: 'web: absolute query URLs, checked by each query' }) : inner.reachable(signal)),
    measure: (query, signal) => inner.measure(jsonPath === undefined ? query : { ...query, args: { jsonPath, ...query.args } }, signal),
  };
}

/**
 * The one place provider specs become providers. Providers are cached per spec and settings, so a
 * metric measured every second reuses its client.
 */
export function createProviderFactory(options: ProviderFactoryOptions): ProviderResolver {
  const cache = new Map<string, MetricProvider>();
  return (check) => {
    const key = JSON.stringify([check.provider, check.timeoutMs, check.retries]);
    let provider = cache.get(key);
    if (provider === undefined) {
      const inner = create(check.provider, options, check.timeoutMs);
      // The provider's own timeout is the per-attempt limit; resilient() adds a margin as a backstop.
      provider = resilient(inner, { timeoutMs: check.timeoutMs + 1_000, retries: check.retries, ...options.resilience });
      if (cache.size > 256) cache.clear();
      cache.set(key, provider);
    }
    return provider;
  };
}
