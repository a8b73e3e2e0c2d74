import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from '../metric-provider.js';
import { resolveTemplate } from '../metric-provider.js';
import type { TrafficSource, TrafficTotals } from '../traffic-source.js';

/** args.thresholdMs of `requests-above`, as a positive number of ms; ADAPTER_FAILED otherwise. */
function thresholdOf(query: string, text: string | undefined): number {
  const ms = text === undefined ? Number.NaN : Number(text);
  if (Number.isFinite(ms) && ms > 0) return ms;
  throw new SluiceError(ErrorCode.ADAPTER_FAILED, `builtin: metric "${query}" needs args.thresholdMs as a positive number of milliseconds; found ${JSON.stringify(text ?? null)}`, {
    details: { provider: 'builtin', query },
  });
}

function fiveXx(t: TrafficTotals): number {
  return t.byClass['5xx'] ?? 0;
}

/** A named metric of the built-in proxy's windows: its value, or undefined when the window had no requests. */
type Reader = (totals: TrafficTotals, seconds: number) => number | null | undefined;

const METRICS: Readonly<Record<string, Reader>> = {
  requests: (t) => t.requests,
  // What users saw fail: every 5xx, sent by the upstream or by the proxy (502/503/504 for its own failures).
  errors: (t) => fiveXx(t),
  // Only the proxy's own failures (connection refused or reset, timeouts), whatever the status.
  failures: (t) => t.errors,
  'request-rate': (t, seconds) => (seconds > 0 ? t.requests / seconds : undefined),
  'error-rate': (t) => (t.requests > 0 ? fiveXx(t) / t.requests : undefined),
  'latency-p50': (t) => t.latencyMs.p50,
  'latency-p90': (t) => t.latencyMs.p90,
  'latency-p99': (t) => t.latencyMs.p99,
  'latency-mean': (t) => t.latencyMs.mean,
  // Requests slower than args.thresholdMs: with the baseline's p99 as threshold, the input of the latency-tail test.
  'requests-above': (t) => t.above,
  // Responses by status class, e.g. status-4xx (499: the client went away first).
  ...Object.fromEntries(['1xx', '2xx', '3xx', '4xx', '499', '5xx'].map((c) => [`status-${c}`, (t: TrafficTotals) => t.byClass[c] ?? 0])),
};

/** The metric names the built-in provider answers. */
export const BUILTIN_METRICS: readonly string[] = Object.keys(METRICS);

/**
 * Measurements from the built-in proxy's own 1-second windows — request and error counts, error rate,
 * latency quantiles per service and version — so a rollout can be judged with no Prometheus at all.
 * The query is a metric name; args `service` (required) and `version` (absent: every version) pick the
 * series; `requests-above` also takes `thresholdMs`. A window without requests is no data, except for
 * the counts (`requests`, `errors`, `failures`, `requests-above`, `status-NXX`), where 0 is a value. `errors` are
 * 5xx responses, whoever sent them; `failures` are the proxy's own failed attempts.
 */
export class BuiltinMetricProvider implements MetricProvider {
  readonly kind = 'builtin';
  readonly #source: TrafficSource | undefined;

  /** Without a source (the proxy runs in other processes) every query is UNREACHABLE. */
  constructor(source: TrafficSource | undefined) {
    this.#source = source;
  }

  async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
    signal?.throwIfAborted();
    const resolvedQuery = resolveTemplate(query.query, query.args).text.trim();
    const reader = Object.hasOwn(METRICS, resolvedQuery) ? METRICS[resolvedQuery] : undefined;
    if (reader === undefined) {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `builtin: unknown metric "${resolvedQuery}"; expected one of: ${BUILTIN_METRICS.join(', ')}`, { details: { provider: this.kind, query: resolvedQuery } });
    }
    const service = query.args['service'];
    if (service === undefined || service === '') {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `builtin: metric "${resolvedQuery}" needs the argument "service"; expected args.service to name a service`, { details: { provider: this.kind, query: resolvedQuery } });
    }
    const source = this.#reachableSource(resolvedQuery);
    const version = query.args['version'];
    const aboveMs = resolvedQuery === 'requests-above' ? thresholdOf(resolvedQuery, query.args['thresholdMs']) : undefined;
    const totals = source.window({ service, version, fromMs: query.fromMs, toMs: query.toMs, aboveMs });
    const value = reader(totals, Math.max(0, (query.toMs - query.fromMs) / 1000));
    const where = `${service}${version === undefined ? '' : ` version ${version}`}`;
    if (value === undefined || value === null || !Number.isFinite(value)) {
      return { kind: 'no-data', reason: `no requests to ${where} in the window`, resolvedQuery };
    }
    return { kind: 'value', value, sampleSize: totals.requests, resolvedQuery };
  }

  async reachable(): Promise<Reachability> {
    return this.#source === undefined
      ? { ok: false, detail: 'builtin: the proxy\'s traffic windows are not in this process; use the prometheus provider' }
      : { ok: true, detail: 'builtin: reading the proxy\'s 1-second traffic windows' };
  }

  #reachableSource(query: string): TrafficSource {
    if (this.#source !== undefined) return this.#source;
    throw new SluiceError(ErrorCode.UNREACHABLE, `builtin: cannot run "${query}": the proxy's traffic windows are not in this process; expected the built-in proxy in the control plane`, { details: { provider: this.kind, query } });
  }
}
