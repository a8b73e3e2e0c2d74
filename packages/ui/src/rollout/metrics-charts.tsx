import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { ErrorDetails } from '../app/notices';
import { ms, num, rate } from './format';
import { alignMetrics, lastValue, recentRequests, thresholdOf, type AlignedMetrics } from './metrics-data';
import type { RolloutMetrics } from './rollout-api';
import { UplotChart, type ChartLine } from './uplot-chart';
import type { MetricsState } from './use-metrics';

const HEIGHT = 180;

type Limit = { readonly value: number; readonly label: string };

function limitOf(metrics: RolloutMetrics, key: string, fallback: string, format: (v: number) => string): Limit[] {
  const t = thresholdOf(metrics.thresholds[key]);
  return t === undefined ? [] : [{ value: t.value, label: `${t.label ?? fallback} ${format(t.value)}` }];
}

interface ChartSpec {
  readonly key: string;
  readonly title: string;
  readonly lines: readonly ChartLine[];
  readonly data: uPlot.AlignedData;
  readonly format: (v: number) => string;
  readonly limits: readonly Limit[];
  readonly summary: string;
}

function chartSpecs(metrics: RolloutMetrics, a: AlignedMetrics): ChartSpec[] {
  const s = a.stable.version;
  const c = a.canary.version;
  const stable = (label: string, dashed = false): ChartLine => ({ label: `${s} ${label}`.trim(), colorVar: '--stable-color', dashed });
  const canary = (label: string, dashed = false): ChartLine => ({ label: `${c} ${label}`.trim(), colorVar: '--canary-color', dashed });
  return [
    { key: 'errors', title: 'Error rate', lines: [stable(''), canary('')], data: [a.x, a.stable.errorRate, a.canary.errorRate], format: rate, limits: limitOf(metrics, 'errorRate', 'guard', rate),
      summary: `Latest: ${c} ${rate(lastValue(a.canary.errorRate))}, ${s} ${rate(lastValue(a.stable.errorRate))}` },
    { key: 'latency', title: 'Latency p50 and p99', lines: [stable('p50', true), stable('p99'), canary('p50', true), canary('p99')], data: [a.x, a.stable.p50Ms, a.stable.p99Ms, a.canary.p50Ms, a.canary.p99Ms], format: ms,
      limits: limitOf(metrics, 'p99Ms', 'p99 limit', ms), summary: `Latest p99: ${c} ${ms(lastValue(a.canary.p99Ms))}, ${s} ${ms(lastValue(a.stable.p99Ms))}` },
    { key: 'rps', title: 'Requests per second', lines: [stable(''), canary('')], data: [a.x, a.stable.rps, a.canary.rps], format: num, limits: [],
      summary: `Latest: ${c} ${num(lastValue(a.canary.rps))}/s, ${s} ${num(lastValue(a.stable.rps))}/s` },
  ];
}

function Placeholder({ text }: { readonly text: string }) {
  return (
    <div class="charts" data-metrics="none">
      {['Error rate', 'Latency p50 and p99', 'Requests per second'].map((t) => (
        <figure key={t} class="chart chart-empty">
          <figcaption>{t}</figcaption>
          <div class="chart-placeholder" style={{ height: `${HEIGHT + 32}px` }}>
            <span class="muted">{text}</span>
          </div>
        </figure>
      ))}
    </div>
  );
}

/** Canary against stable over the rollout: error rate, latency and requests/s, with step starts and the guard's limits. */
export function MetricsCharts({ state }: { readonly state: MetricsState }) {
  const metrics = state.metrics;
  const aligned = useMemo(() => (metrics === undefined ? undefined : alignMetrics(metrics)), [metrics]);
  if (metrics === undefined || aligned === undefined) {
    if (state.status === 'error' && state.error !== undefined) {
      return (
        <div class="panel panel-error" role="alert">
          <strong>Could not load the metrics</strong>
          <ErrorDetails error={state.error} />
        </div>
      );
    }
    return <Placeholder text={state.status === 'loading' ? 'Loading metrics…' : 'No metrics yet'} />;
  }
  const marks = metrics.steps.map((s) => ({ x: s.startedAt / 1000, label: `${s.index + 1}` }));
  return (
    <div class="charts" data-metrics="ready" data-points={aligned.x.length} data-canary-recent={recentRequests(aligned.canary)} data-stable-recent={recentRequests(aligned.stable)}>
      {chartSpecs(metrics, aligned).map((c) => (
        <figure key={c.key} class="chart" data-chart={c.key}>
          <figcaption>
            {c.title} <span class="muted small chart-summary">{c.summary}</span>
          </figcaption>
          <UplotChart data={c.data} lines={c.lines} format={c.format} limits={c.limits} marks={marks} height={HEIGHT} />
        </figure>
      ))}
      {metrics.truncated === true && <p class="muted small">Only the newest points are shown.</p>}
    </div>
  );
}
