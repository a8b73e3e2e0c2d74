import { DEFAULT_ANALYSIS_INTERVAL_MS, DEFAULT_CHECK_RETRIES, DEFAULT_CHECK_TIMEOUT_MS, DEFAULT_GATE, ErrorCode, parseDuration, SluiceError } from '@sluice/domain';
import type { AnalysisMetric, AnalysisRef, AnalysisTemplateSpec, GateSettings, JudgeSpec, MetricCheck, ProviderSpec } from '@sluice/domain';
import type { RawCheck, RawMetric, RawProvider, RawTemplateSpec } from './analysis-schemas.js';
import { DEFAULT_LATENCY_QUANTILE, LATENCY_REFERENCES } from './judge-schemas.js';
import type { RawJudge } from './judge-schemas.js';

/** Normalises a validated AnalysisTemplate spec: defaults applied, durations in ms, argument values as text. */
export function toAnalysisTemplateSpec(raw: RawTemplateSpec): AnalysisTemplateSpec {
  const args = (raw.args ?? []).map((arg) => (arg.value === undefined ? { name: arg.name } : { name: arg.name, value: String(arg.value) }));
  return { args, metrics: raw.metrics.map((metric) => toAnalysisMetric(metric)) };
}

/** What a metric gets when its spec leaves a field out: a template's metric has these; a guard condition its own. */
export interface MetricDefaults {
  readonly gate: GateSettings;
  readonly intervalMs: number;
}

const TEMPLATE_DEFAULTS: MetricDefaults = { gate: DEFAULT_GATE, intervalMs: DEFAULT_ANALYSIS_INTERVAL_MS };

/** A metric (of a template, or a guard condition without its action) with `defaults` applied. */
export function toAnalysisMetric(raw: RawMetric, defaults: MetricDefaults = TEMPLATE_DEFAULTS): AnalysisMetric {
  const gate: GateSettings = {
    count: raw.count ?? defaults.gate.count,
    failureLimit: raw.failureLimit ?? defaults.gate.failureLimit,
    inconclusiveLimit: raw.inconclusiveLimit ?? defaults.gate.inconclusiveLimit,
    consecutiveErrorLimit: raw.consecutiveErrorLimit ?? defaults.gate.consecutiveErrorLimit,
    consecutiveSuccessLimit: raw.consecutiveSuccessLimit ?? defaults.gate.consecutiveSuccessLimit,
  };
  return {
    name: raw.name,
    ...toMetricCheck(raw),
    intervalMs: raw.interval === undefined ? defaults.intervalMs : ms(raw.interval),
    ...(raw.initialDelay === undefined ? {} : { initialDelayMs: ms(raw.initialDelay) }),
    gate,
  };
}

/** A metric's or a verification's provider, query, judge, window, timeout and retries. */
export function toMetricCheck(raw: RawCheck): MetricCheck {
  return {
    provider: toProvider(raw.provider),
    ...(raw.query === undefined ? {} : { query: raw.query }),
    judge: toJudge(raw.judge),
    ...(raw.window === undefined ? {} : { windowMs: ms(raw.window) }),
    timeoutMs: raw.timeout === undefined ? DEFAULT_CHECK_TIMEOUT_MS : ms(raw.timeout),
    retries: raw.retries ?? DEFAULT_CHECK_RETRIES,
  };
}

/** A provider as written → the domain's ProviderSpec. */
export function toProvider(raw: RawProvider): ProviderSpec {
  if (raw.builtin !== undefined) return { kind: 'builtin' };
  if (raw.prometheus !== undefined) return { kind: 'prometheus', address: raw.prometheus.address };
  if (raw.web !== undefined) return { kind: 'web', ...defined({ baseUrl: raw.web.baseUrl, jsonPath: raw.web.jsonPath, headers: raw.web.headers && { ...raw.web.headers } }) };
  if (raw.sql !== undefined) return { kind: 'sql', url: raw.sql.url };
  if (raw.command !== undefined) return { kind: 'command' };
  throw new SluiceError(ErrorCode.INTERNAL, 'a provider passed the schema without a kind');
}

function toJudge(raw: RawJudge): JudgeSpec {
  if (raw.threshold !== undefined) return { kind: 'threshold', ...defined(raw.threshold) };
  if (raw.baseline !== undefined) return { kind: 'baseline', ...defined(raw.baseline) };
  if (raw.mannWhitney !== undefined) return { kind: 'mannWhitney', options: defined(raw.mannWhitney) };
  if (raw.errorRate !== undefined) {
    const { requestsQuery, errorsQuery, ...options } = raw.errorRate;
    return { kind: 'errorRate', requestsQuery: requestsQuery ?? 'requests', errorsQuery: errorsQuery ?? 'errors', options: defined(options) };
  }
  if (raw.latency !== undefined) {
    const { quantile = DEFAULT_LATENCY_QUANTILE, referenceQuery, aboveQuery, requestsQuery, ...options } = raw.latency;
    const reference = referenceQuery ?? LATENCY_REFERENCES.get(quantile);
    if (reference === undefined) throw new SluiceError(ErrorCode.INTERNAL, `a latency judge with quantile ${quantile} passed the schema without a referenceQuery`);
    return {
      kind: 'latency',
      quantile,
      referenceQuery: reference,
      aboveQuery: aboveQuery ?? 'requests-above',
      requestsQuery: requestsQuery ?? 'requests',
      options: defined(options),
    };
  }
  if (raw.errorBurst !== undefined) {
    const { requestsQuery, errorsQuery, windows, baselineWindow, ...options } = raw.errorBurst;
    return {
      kind: 'errorBurst',
      requestsQuery: requestsQuery ?? 'requests',
      errorsQuery: errorsQuery ?? 'errors',
      windowsSeconds: windows ?? [2, 4, 8],
      baselineSeconds: baselineWindow ?? 60,
      options: defined(options),
    };
  }
  throw new SluiceError(ErrorCode.INTERNAL, 'a judge passed the schema without a kind');
}

/** The templates and arguments of an analysis step or of background analysis. */
export function toAnalysisRef(raw: { readonly templates: readonly string[]; readonly args?: Readonly<Record<string, string | number>> | undefined }): AnalysisRef {
  const args: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.args ?? {})) args[name] = String(value);
  return { templates: [...raw.templates], args };
}

type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> };

/** The object without its undefined fields, as exactOptionalPropertyTypes wants optional fields. */
export function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}

/** The schema has already accepted the text, so this only fails if schema and parser disagree. */
export function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new SluiceError(ErrorCode.INTERNAL, `duration "${text}" passed the schema but not parseDuration`);
  return value;
}
