import type { AnalysisMetric } from './analysis-spec.js';
import { closeGate, foldGate, INITIAL_GATE, type GateState, type GateStatus, type MeasurementResult } from './gate.js';

/**
 * The stored state of one analysis (a blocking step's, or the background one): one gate per metric and
 * when each is next due. Lives in the rollout's status, so measuring resumes exactly after a restart.
 */
export interface MetricRunState {
  readonly gate: GateState;
  /** When the next measurement is due (ms since epoch). */
  readonly nextAt: number;
  readonly lastAt?: number;
}

export interface AnalysisRunState {
  readonly startedAt: number;
  /**
   * The metrics and arguments as resolved from the templates when the run started (Argo's AnalysisRun
   * does the same): re-applying a template changes later analyses, never one already measuring.
   */
  readonly resolved?: { readonly metrics: readonly RunMetric[]; readonly args: Readonly<Record<string, string>> };
  /** Keyed by `template/metric`. */
  readonly metrics: Readonly<Record<string, MetricRunState>>;
  readonly status: GateStatus;
  readonly reason: string;
}

/** A metric of a run, with the key it is stored under. */
export interface RunMetric {
  readonly key: string;
  readonly template: string;
  readonly metric: AnalysisMetric;
}

export function startRun(metrics: readonly RunMetric[], now: number, args: Readonly<Record<string, string>> = {}): AnalysisRunState {
  const entries = metrics.map((m) => [m.key, { gate: INITIAL_GATE, nextAt: now + (m.metric.initialDelayMs ?? m.metric.intervalMs) }] as const);
  return { startedAt: now, resolved: { metrics, args }, metrics: Object.fromEntries(entries), status: 'running', reason: 'started' };
}

/** The metrics due for a measurement now, whose gate is still running. */
export function dueMetrics(run: AnalysisRunState, metrics: readonly RunMetric[], now: number): RunMetric[] {
  return metrics.filter((m) => {
    const state = run.metrics[m.key];
    return state !== undefined && state.gate.status === 'running' && state.nextAt <= now;
  });
}

/** The earliest time a running metric is due, or undefined when none is running. */
export function nextDue(run: AnalysisRunState): number | undefined {
  let next: number | undefined;
  for (const state of Object.values(run.metrics)) {
    if (state.gate.status === 'running') next = Math.min(next ?? Infinity, state.nextAt);
  }
  return next;
}

/** Folds one measurement into its metric's gate and schedules the next one. */
export function recordMeasurement(run: AnalysisRunState, m: RunMetric, result: MeasurementResult, now: number): AnalysisRunState {
  const state = run.metrics[m.key];
  if (state === undefined) return run;
  const gate = foldGate(state.gate, result, m.metric.gate);
  // Keep the cadence; after a long stall (a restart), measure next one interval from now rather than catch up.
  const nextAt = Math.max(state.nextAt + m.metric.intervalMs, now + 1);
  const metrics = { ...run.metrics, [m.key]: { gate, nextAt, lastAt: now } };
  return summarize({ ...run, metrics });
}

/** Time is up: every running gate is closed (passed if it judged anything, halted otherwise). */
export function closeRun(run: AnalysisRunState): AnalysisRunState {
  const metrics = Object.fromEntries(Object.entries(run.metrics).map(([k, s]) => [k, { ...s, gate: closeGate(s.gate) }]));
  return summarize({ ...run, metrics });
}

const SEVERITY: readonly GateStatus[] = ['failed', 'halted', 'inconclusive', 'running', 'passed'];

/**
 * The run's status is its worst metric's: failed, then halted, then inconclusive, then running; passed
 * only when every metric passed. The reason names the metric that decided.
 */
export function summarize(run: AnalysisRunState): AnalysisRunState {
  const entries = Object.entries(run.metrics);
  for (const status of SEVERITY) {
    const hit = entries.find(([, s]) => s.gate.status === status);
    if (hit === undefined) continue;
    if (status === 'passed') return { ...run, status, reason: `all ${entries.length} metric${entries.length === 1 ? '' : 's'} passed` };
    if (status === 'running') return { ...run, status, reason: `${entries.filter(([, s]) => s.gate.status === 'running').length} of ${entries.length} metrics still measuring` };
    return { ...run, status, reason: `${hit[0]}: ${hit[1].gate.reason}` };
  }
  return { ...run, status: 'passed', reason: 'no metrics' };
}

/** A person chose to go on after an inconclusive or halted run: undecided gates start over. */
export function restartUndecided(run: AnalysisRunState, metrics: readonly RunMetric[], now: number): AnalysisRunState {
  const next = { ...run.metrics };
  for (const m of metrics) {
    const state = next[m.key];
    if (state !== undefined && (state.gate.status === 'inconclusive' || state.gate.status === 'halted')) {
      next[m.key] = { gate: INITIAL_GATE, nextAt: now + m.metric.intervalMs };
    }
  }
  return summarize({ ...run, metrics: next });
}
