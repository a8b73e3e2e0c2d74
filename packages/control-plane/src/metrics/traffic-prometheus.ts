import type { Metric, Registry } from 'prom-client';
import { EXPORT_BUCKETS_SECONDS } from './latency-histogram.js';
import type { SeriesTotals } from './traffic-series.js';
import { ERROR_CAUSES, STATUS_CLASSES } from './traffic-slot.js';
import type { TrafficWindows } from './traffic-windows.js';

type Labels = Readonly<Record<string, string | number>>;

interface Sample {
  /** Set for the _bucket, _sum and _count lines of a histogram. */
  readonly metricName?: string;
  readonly labels: Labels;
  readonly value: number;
}

/**
 * A metric whose samples are computed when scraped. It has the shape prom-client's Registry reads
 * (name, help, type, aggregator, get, reset), so /metrics formats and escapes it like its own metrics;
 * the typings only know prom-client's classes, hence the cast where it is registered.
 */
class ScrapedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  readonly #samples: () => Sample[];

  constructor(name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.#samples = samples;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.#samples() };
  }

  /** The values belong to the TrafficWindows; there is nothing to reset here. */
  reset(): void {}
}

function seriesLabels(t: SeriesTotals): Labels {
  return { service: t.service, version: t.version, route: t.route };
}

function requestSamples(windows: TrafficWindows): Sample[] {
  return windows.totals().flatMap((t) => STATUS_CLASSES.map((c) => ({ labels: { ...seriesLabels(t), class: c }, value: t.byClass[c] })));
}

function errorSamples(windows: TrafficWindows): Sample[] {
  return windows.totals().flatMap((t) => ERROR_CAUSES.map((cause) => ({ labels: { ...seriesLabels(t), cause }, value: t.byCause[cause] })));
}

function durationSamples(windows: TrafficWindows, name: string): Sample[] {
  const samples: Sample[] = [];
  for (const t of windows.totals()) {
    const labels = seriesLabels(t);
    let cumulative = 0;
    t.durationBuckets.forEach((count, i) => {
      cumulative += count;
      samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: EXPORT_BUCKETS_SECONDS[i] ?? '+Inf' }, value: cumulative });
    });
    samples.push({ metricName: `${name}_sum`, labels, value: t.durationSumMs / 1000 });
    samples.push({ metricName: `${name}_count`, labels, value: t.requests });
  }
  return samples;
}

function foldedSamples(windows: TrafficWindows): Sample[] {
  return Object.entries(windows.folded()).map(([limit, value]) => ({ labels: { limit }, value }));
}

/**
 * Registers the traffic metrics of `windows` in `registry`, computed from cumulative totals at scrape
 * time (recording touches no prom-client object). Binding again replaces the earlier binding.
 *  - sluice_proxy_requests_total{service,version,route,class}: class is 1xx, 2xx, 3xx, 4xx, 499 or 5xx.
 *  - sluice_proxy_errors_total{service,version,route,cause}: requests the proxy or upstream failed, every cause listed.
 *  - sluice_proxy_request_duration_seconds{service,version,route}: histogram, buckets 1 ms to 10 s.
 *  - sluice_proxy_folded_total{limit}: observations whose label became "_other" (limit: service, version, route, series).
 */
export function bindTrafficMetrics(registry: Registry, windows: TrafficWindows): void {
  const duration = 'sluice_proxy_request_duration_seconds';
  const metrics = [
    new ScrapedMetric('sluice_proxy_requests_total', 'Requests served by the built-in proxy, by response class.', 'counter', () => requestSamples(windows)),
    new ScrapedMetric('sluice_proxy_errors_total', 'Requests the built-in proxy or the upstream failed, by cause.', 'counter', () => errorSamples(windows)),
    new ScrapedMetric(duration, 'Time from request start to response end, through the built-in proxy.', 'histogram', () => durationSamples(windows, duration)),
    new ScrapedMetric(
      'sluice_proxy_folded_total',
      'Observations whose service, version or route label became "_other" because a cardinality limit was reached.',
      'counter',
      () => foldedSamples(windows),
    ),
  ];
  for (const metric of metrics) {
    registry.removeSingleMetric(metric.name);
    registry.registerMetric(metric as unknown as Metric);
  }
}
