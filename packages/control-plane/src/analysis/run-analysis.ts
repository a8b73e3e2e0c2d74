import {
  dueMetrics,
  ErrorCode,
  EventType,
  recordMeasurement,
  SluiceError,
  type AnalysisRef,
  type AnalysisRunState,
  type AnalysisTemplate,
  type EventDraft,
  type MeasurementRecord,
  type Rollout,
  type RunMetric,
} from '@sluice/domain';
import type { ProviderResolver } from '../providers/provider-factory.js';
import { measureCheck } from './measure-check.js';

/** What an analysis needs from the rest of the control plane. */
export interface AnalysisDeps {
  readonly providers: ProviderResolver;
  /** Reads a stored AnalysisTemplate. */
  readonly template: (name: string) => Promise<AnalysisTemplate | undefined>;
}

export interface ResolvedAnalysis {
  readonly metrics: readonly RunMetric[];
  readonly args: Readonly<Record<string, string>>;
}

/**
 * Loads the templates an analysis names and merges their arguments: each template's defaults, then the
 * step's values (one namespace, as in Argo). A missing template or argument throws; apply checks both,
 * so this only happens when a template changed after the rollout was applied.
 */
export async function resolveAnalysis(ref: AnalysisRef, deps: AnalysisDeps): Promise<ResolvedAnalysis> {
  const metrics: RunMetric[] = [];
  const args: Record<string, string> = {};
  const required: string[] = [];
  for (const name of ref.templates) {
    const template = await deps.template(name);
    if (template === undefined) {
      throw new SluiceError(ErrorCode.UNKNOWN_REFERENCE, `AnalysisTemplate "${name}" does not exist; apply it, or fix the rollout's analysis`, { details: { template: name } });
    }
    for (const arg of template.spec.args) {
      if (arg.value !== undefined) args[arg.name] ??= arg.value;
      else required.push(arg.name);
    }
    for (const metric of template.spec.metrics) metrics.push({ key: `${name}/${metric.name}`, template: name, metric });
  }
  Object.assign(args, ref.args);
  const missing = required.filter((a) => args[a] === undefined);
  if (missing.length > 0) {
    throw new SluiceError(ErrorCode.INVALID_SPEC, `analysis of ${ref.templates.join(', ')} is missing argument${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: give ${missing.length === 1 ? 'it' : 'them'} in the step's args`, {
      details: { missing },
    });
  }
  return { metrics, args };
}

/** The run's own snapshot of its metrics, or (for a run stored before snapshots) the templates as they are now. */
export async function resolvedFor(run: AnalysisRunState | undefined, ref: AnalysisRef, deps: AnalysisDeps): Promise<ResolvedAnalysis> {
  return run?.resolved ?? resolveAnalysis(ref, deps);
}

export interface MeasureContext {
  readonly rollout: Rollout;
  readonly service: string;
  readonly source: MeasurementRecord['source'];
  readonly now: number;
  readonly signal: AbortSignal;
}

/**
 * Takes every measurement that is due, folds each into its gate and returns the new run with one
 * AnalysisMeasured event per measurement (the decision log) and an AnalysisDecided event when the run
 * reached a decision.
 */
export async function measureDue(
  run: AnalysisRunState,
  resolved: ResolvedAnalysis,
  ctx: MeasureContext,
  deps: AnalysisDeps,
): Promise<{ readonly run: AnalysisRunState; readonly events: EventDraft[] }> {
  const due = dueMetrics(run, resolved.metrics, ctx.now);
  const { rollout } = ctx;
  const target = {
    service: ctx.service,
    rollout: rollout.name,
    canary: rollout.spec.target,
    stable: rollout.status.stable,
    args: resolved.args,
    now: ctx.now,
    startedAt: run.startedAt,
  };
  const outcomes = await Promise.all(
    due.map((m) => measureCheck(m.metric, { ...target, defaultWindowMs: m.metric.intervalMs }, deps.providers, ctx.signal)),
  );
  let next = run;
  const events: EventDraft[] = [];
  due.forEach((m, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined) return;
    next = recordMeasurement(next, m, outcome.result, ctx.now);
    const gate = next.metrics[m.key]?.gate.status ?? 'running';
    const record: MeasurementRecord = { source: ctx.source, step: rollout.status.stepIndex, metric: m.key, ...outcome.record, gate };
    events.push({ type: EventType.AnalysisMeasured, to: record.result, reason: `${m.key}: ${record.reason}`, data: { ...record } });
  });
  if (run.status === 'running' && next.status !== 'running') events.push(decidedEvent(next, ctx.source));
  return { run: next, events };
}

/** The event that records an analysis decision. */
export function decidedEvent(run: AnalysisRunState, source: MeasurementRecord['source']): EventDraft {
  const what = source === 'background' ? 'Background analysis' : 'Analysis';
  return { type: EventType.AnalysisDecided, from: 'running', to: run.status, reason: `${what} ${run.status}: ${run.reason}`, data: { source } };
}
