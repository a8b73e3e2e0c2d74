import {
  isCumulative,
  judgeBaseline,
  judgeErrorBurst,
  judgeErrorRate,
  judgeLatencyExceedance,
  judgeMannWhitney,
  judgeThreshold,
  type JudgeSpec,
  type MeasurementRecord,
  type MeasurementResult,
  type MetricCheck,
  type Verdict,
  verdictFields,
} from '@sluice/domain';
import type { MetricProvider, MetricResult } from '../providers/metric-provider.js';
import { resolveTemplate } from '../providers/metric-provider.js';
import type { ProviderResolver } from '../providers/provider-factory.js';
import { redactUrl } from '../platform/redact.js';

/** Who is compared, and over what. */
export interface CheckTarget {
  readonly service: string;
  readonly rollout: string;
  readonly canary: string;
  readonly stable: string;
  /** Template and step arguments, already merged. */
  readonly args: Readonly<Record<string, string>>;
  readonly now: number;
  /** Where cumulative judges start counting (the analysis start). */
  readonly startedAt: number;
  /** The window of point judges without their own: the metric's interval. */
  readonly defaultWindowMs: number;
  /** No window starts before this (a verification must not judge traffic from before its operation). */
  readonly notBefore?: number;
}

/** A measurement, and its record for the decision log (without who asked for it). */
export interface CheckOutcome {
  readonly result: MeasurementResult;
  readonly record: Omit<MeasurementRecord, 'source' | 'step' | 'metric'>;
}

type Side = 'canary' | 'stable';

/** Queries one side: the template's args, the built-in ones, and `version` set to that side's version. */
class Sides {
  readonly queries: Record<string, string> = {};
  constructor(
    readonly provider: MetricProvider,
    readonly target: CheckTarget,
    readonly window: { readonly fromMs: number; readonly toMs: number },
    readonly signal: AbortSignal,
  ) {}

  async ask(role: string, side: Side, query: string, extra: Readonly<Record<string, string>> = {}, over?: { readonly fromMs: number; readonly toMs: number }): Promise<MetricResult> {
    const { target } = this;
    const window = over ?? this.window;
    const version = side === 'canary' ? target.canary : target.stable;
    const builtin = { service: target.service, rollout: target.rollout, canary: target.canary, stable: target.stable, version, window: `${Math.max(1, Math.round((window.toMs - window.fromMs) / 1000))}s`, ...extra };
    const args: Record<string, string> = { ...target.args, ...builtin };
    for (const [k, v] of Object.entries(args)) args[`args.${k}`] = v;
    const result = await this.provider.measure({ query, args, fromMs: window.fromMs, toMs: window.toMs }, this.signal);
    // Stored in the decision log: a URL's password never is.
    this.queries[role] = redactUrl(result.resolvedQuery);
    return result;
  }
}

class NoData extends Error {}

function scalar(result: MetricResult, what: string): number {
  if (result.kind === 'no-data') throw new NoData(`${what}: ${result.reason}`);
  const v = result.value;
  if (typeof v === 'number') return v;
  if (v.length === 1 && v[0] !== undefined) return v[0];
  if (v.length === 0) throw new NoData(`${what}: an empty vector`);
  throw new Error(`${what}: the query answered ${v.length} numbers; this judge needs one (aggregate it, e.g. sum(…))`);
}

/** Counts treat "no data" as zero: no series and no rows mean nothing was counted. */
function count(result: MetricResult, what: string): number {
  return result.kind === 'no-data' ? 0 : scalar(result, what);
}

function vector(result: MetricResult): readonly number[] {
  if (result.kind === 'no-data') return [];
  return typeof result.value === 'number' ? [result.value] : result.value;
}

function substitute(text: string | undefined, args: Readonly<Record<string, string>>): string | undefined {
  if (text === undefined) return undefined;
  const all: Record<string, string> = { ...args };
  for (const [k, v] of Object.entries(args)) all[`args.${k}`] = v;
  return resolveTemplate(text, all).text;
}

function needQuery(query: string | undefined, judge: string): string {
  if (query === undefined) throw new Error(`the ${judge} judge needs a query`);
  return query;
}

async function judge(spec: JudgeSpec, query: string | undefined, s: Sides): Promise<Verdict> {
  switch (spec.kind) {
    case 'threshold': {
      const result = scalar(await s.ask('canary', 'canary', needQuery(query, 'threshold')), 'canary');
      const args = s.target.args;
      return judgeThreshold({ result }, { successCondition: substitute(spec.successCondition, args), failureCondition: substitute(spec.failureCondition, args) });
    }
    case 'baseline': {
      const q = needQuery(query, 'baseline');
      const [canary, baseline] = await Promise.all([s.ask('canary', 'canary', q), s.ask('stable', 'stable', q)]);
      return judgeBaseline({ canary: scalar(canary, 'canary'), baseline: scalar(baseline, 'stable') }, spec);
    }
    case 'mannWhitney': {
      const q = needQuery(query, 'mannWhitney');
      const [canary, baseline] = await Promise.all([s.ask('canary', 'canary', q), s.ask('stable', 'stable', q)]);
      return judgeMannWhitney({ canary: vector(canary), baseline: vector(baseline) }, spec.options);
    }
    case 'errorRate':
      return judgeErrors(spec, s);
    case 'latency':
      return judgeLatency(spec, s);
    case 'errorBurst':
      return judgeBurst(spec, s);
  }
}

/** The canary's last few seconds (each window length) against stable's longer recent window. */
async function judgeBurst(spec: Extract<JudgeSpec, { kind: 'errorBurst' }>, s: Sides): Promise<Verdict> {
  // Up to now, the second in progress included: a burst is seen as soon as it starts.
  const toMs = s.target.now;
  const over = (seconds: number) => ({ fromMs: toMs - seconds * 1000, toMs });
  const windows = await Promise.all(
    spec.windowsSeconds.map(async (seconds) => {
      const [t, e] = await Promise.all([
        s.ask(`canary requests ${seconds}s`, 'canary', spec.requestsQuery, {}, over(seconds)),
        s.ask(`canary errors ${seconds}s`, 'canary', spec.errorsQuery, {}, over(seconds)),
      ]);
      return { seconds, total: count(t, 'canary requests'), errors: count(e, 'canary errors') };
    }),
  );
  const [bt, be] = await Promise.all([
    s.ask('stable requests', 'stable', spec.requestsQuery, {}, over(spec.baselineSeconds)),
    s.ask('stable errors', 'stable', spec.errorsQuery, {}, over(spec.baselineSeconds)),
  ]);
  return judgeErrorBurst({ windows, baseline: { total: count(bt, 'stable requests'), errors: count(be, 'stable errors') } }, spec.options);
}

async function judgeErrors(spec: Extract<JudgeSpec, { kind: 'errorRate' }>, s: Sides): Promise<Verdict> {
  const [ct, ce, bt, be] = await Promise.all([
    s.ask('canary requests', 'canary', spec.requestsQuery),
    s.ask('canary errors', 'canary', spec.errorsQuery),
    s.ask('stable requests', 'stable', spec.requestsQuery),
    s.ask('stable errors', 'stable', spec.errorsQuery),
  ]);
  const side = (t: MetricResult, e: MetricResult, name: string) => ({ total: count(t, `${name} requests`), errors: count(e, `${name} errors`) });
  return judgeErrorRate({ canary: side(ct, ce, 'canary'), baseline: side(bt, be, 'stable') }, spec.options);
}

async function judgeLatency(spec: Extract<JudgeSpec, { kind: 'latency' }>, s: Sides): Promise<Verdict> {
  const reference = scalar(await s.ask('stable reference', 'stable', spec.referenceQuery), `stable latency q${spec.quantile}`);
  const extra = { thresholdMs: String(reference) };
  const [ct, ca, bt, ba] = await Promise.all([
    s.ask('canary requests', 'canary', spec.requestsQuery),
    s.ask('canary above', 'canary', spec.aboveQuery, extra),
    s.ask('stable requests', 'stable', spec.requestsQuery),
    s.ask('stable above', 'stable', spec.aboveQuery, extra),
  ]);
  const input = {
    canary: { total: count(ct, 'canary requests'), above: count(ca, 'canary above') },
    baseline: { total: count(bt, 'stable requests'), above: count(ba, 'stable above') },
    quantile: spec.quantile,
  };
  return judgeLatencyExceedance(input, spec.options);
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Measures a check once: queries the provider (canary, and stable for comparing judges) over the
 * window, judges, and describes it all for the decision log. Never throws for a provider's failure:
 * that is an `error` result (no data a `no-data` one), which a gate counts apart from a bad canary.
 */
export async function measureCheck(check: MetricCheck, target: CheckTarget, providers: ProviderResolver, signal: AbortSignal): Promise<CheckOutcome> {
  const wanted = check.windowMs !== undefined ? target.now - check.windowMs : isCumulative(check.judge) ? target.startedAt : target.now - target.defaultWindowMs;
  const window = { fromMs: Math.max(wanted, target.notBefore ?? -Infinity), toMs: target.now };
  const base = { provider: check.provider.kind, judge: check.judge.kind, window };
  let sides: Sides | undefined;
  try {
    sides = new Sides(providers(check), target, window, signal);
    const verdict = await judge(check.judge, check.query, sides);
    const record: CheckOutcome['record'] = { ...base, queries: sides.queries, ...verdictFields(verdict) };
    return { result: { kind: 'verdict', verdict }, record };
  } catch (error) {
    signal.throwIfAborted();
    const kind = error instanceof NoData ? 'no-data' : 'error';
    const message = messageOf(error);
    return { result: { kind, message }, record: { ...base, queries: sides?.queries ?? {}, result: kind, reason: message } };
  }
}
