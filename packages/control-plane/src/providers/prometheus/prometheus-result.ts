import type { MetricResult } from '../metric-provider.js';
import { adapterFailed, quote } from './prometheus-http.js';
import type { PrometheusReply } from './prometheus-http.js';

/** One series of a vector or matrix answer, with its label set rendered as `{a="x",b="y"}` (keys sorted). */
interface Series {
  readonly labels: string;
  readonly values: readonly number[];
}

/**
 * Turns a Prometheus HTTP API answer into a MetricResult.
 *  - `status: "error"` (any HTTP status) → ADAPTER_FAILED with Prometheus's errorType and error;
 *  - scalar → its value;
 *  - vector → empty: no-data; one sample: its value; several: the values in label order, sampleSize = series;
 *  - matrix → empty: no-data; one series: all its values in time order, sampleSize = points;
 *    several series: the last value of each, in label order, sampleSize = series.
 * NaN and ±Inf samples are not measurements: a single one is no-data ("the value is NaN"); among several
 * they are dropped, and no-data only when none is left.
 */
export function interpretReply(reply: PrometheusReply, resolvedQuery: string, where: string): MetricResult {
  const body = parseBody(reply, where);
  if (body['status'] === 'error') {
    const errorType = typeof body['errorType'] === 'string' ? body['errorType'] : 'unknown';
    const error = typeof body['error'] === 'string' ? body['error'] : 'no error message';
    throw adapterFailed(`${where}: Prometheus answered HTTP ${reply.status} ${errorType}: ${error}`);
  }
  if (reply.status < 200 || reply.status > 299 || body['status'] !== 'success') {
    throw adapterFailed(`${where}: unexpected answer HTTP ${reply.status} ${reply.statusText} with status ${JSON.stringify(body['status'])}; body starts ${quote(reply.body)}`);
  }
  const data = asRecord(body['data']);
  const resultType = data?.['resultType'];
  const result = data?.['result'];
  switch (resultType) {
    case 'scalar':
      return fromValues([sampleValue(result, where)], 1, resolvedQuery);
    case 'vector':
      return fromVector(seriesOf(result, 'value', where), resolvedQuery);
    case 'matrix':
      return fromMatrix(seriesOf(result, 'values', where), resolvedQuery);
    default:
      throw adapterFailed(`${where}: expected a scalar, vector or matrix result, found resultType ${JSON.stringify(resultType)}`);
  }
}

function parseBody(reply: PrometheusReply, where: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(reply.body);
  } catch (error) {
    throw adapterFailed(`${where}: HTTP ${reply.status} ${reply.statusText}: the response is not JSON (${(error as Error).message}); it starts ${quote(reply.body)}`, error);
  }
  const record = asRecord(json);
  if (record === undefined) throw adapterFailed(`${where}: HTTP ${reply.status}: expected a JSON object, found ${quote(reply.body)}`);
  return record;
}

function fromVector(series: readonly Series[], resolvedQuery: string): MetricResult {
  if (series.length === 0) return { kind: 'no-data', reason: 'no series matched', resolvedQuery };
  return fromValues(series.map((s) => s.values[0] ?? Number.NaN), series.length, resolvedQuery);
}

function fromMatrix(series: readonly Series[], resolvedQuery: string): MetricResult {
  const only = series.length === 1 ? series[0] : undefined;
  if (series.length === 0) return { kind: 'no-data', reason: 'no series matched in the window', resolvedQuery };
  if (only !== undefined) {
    const finite = only.values.filter(Number.isFinite);
    if (finite.length === 0) return { kind: 'no-data', reason: `the series ${only.labels} has no finite value in the window`, resolvedQuery };
    return { kind: 'value', value: finite, sampleSize: finite.length, resolvedQuery };
  }
  return fromValues(series.map((s) => s.values.at(-1) ?? Number.NaN), series.length, resolvedQuery);
}

/** One value → a number; several → the finite ones as an array with sampleSize = how many series. */
function fromValues(values: readonly number[], sampleSize: number, resolvedQuery: string): MetricResult {
  const first = values[0];
  if (values.length === 1 && first !== undefined) {
    if (!Number.isFinite(first)) return { kind: 'no-data', reason: `the value is ${formatNonFinite(first)}`, resolvedQuery };
    return { kind: 'value', value: first, sampleSize, resolvedQuery };
  }
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { kind: 'no-data', reason: `every one of the ${values.length} series is NaN or infinite`, resolvedQuery };
  return { kind: 'value', value: finite, sampleSize: finite.length, resolvedQuery };
}

function formatNonFinite(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** Reads `[{ metric, value: [t, "v"] }]` or `[{ metric, values: [[t, "v"], …] }]`, sorted by label set. */
function seriesOf(result: unknown, field: 'value' | 'values', where: string): Series[] {
  if (!Array.isArray(result)) throw adapterFailed(`${where}: expected "result" to be an array`);
  const series = result.map((item: unknown, index): Series => {
    const record = asRecord(item);
    if (record === undefined) throw adapterFailed(`${where}: result[${index}] is not an object`);
    const labels = renderLabels(record['metric']);
    const raw = record[field];
    if (field === 'value') return { labels, values: [sampleValue(raw, where)] };
    if (!Array.isArray(raw)) throw adapterFailed(`${where}: result[${index}].values is not an array`);
    return { labels, values: raw.map((sample: unknown) => sampleValue(sample, where)) };
  });
  return series.sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
}

/** A `[unixSeconds, "1.5"]` sample → 1.5 (Prometheus writes NaN, +Inf and -Inf as strings too). */
function sampleValue(sample: unknown, where: string): number {
  if (!Array.isArray(sample) || sample.length !== 2 || typeof sample[1] !== 'string') {
    throw adapterFailed(`${where}: expected a sample [time, "value"], found ${quote(JSON.stringify(sample) ?? String(sample))}`);
  }
  const text = sample[1].trim();
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw adapterFailed(`${where}: the sample value ${quote(text)} is not a number`);
  return value;
}

function renderLabels(metric: unknown): string {
  const record = asRecord(metric) ?? {};
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${k}=${JSON.stringify(String(record[k]))}`).join(',')}}`;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
