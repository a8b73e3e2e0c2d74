import { DEFAULT_ERROR_RATE_OPTIONS, DEFAULT_GUARD, describeStrategyStep, EventType, type GuardCondition, type ReleaseEvent, type Rollout } from '@sluice/domain';
import type { MetricSample } from '../store/store.js';

/** One version's points, columnar (uPlot's shape): index i of every array is one second. */
export interface MetricSeriesView {
  readonly version: string;
  readonly role: 'stable' | 'canary';
  /** Start of each second, ms since the epoch. */
  readonly t: number[];
  readonly requests: number[];
  readonly errors: number[];
  /** errors / requests; null when there were no requests. */
  readonly errorRate: (number | null)[];
  readonly p50Ms: (number | null)[];
  readonly p99Ms: (number | null)[];
}

/** A line to draw on a chart: `value` in the chart's unit, what it is for in `label`. */
export interface ThresholdView {
  readonly value: number;
  readonly label: string;
  /** Present when the guard judges against the stable version: the line holds while stable's value is below the floor, and moves with it above. */
  readonly relativeTo?: 'stable';
  /** With relativeTo: the multiple of stable's value that breaches. */
  readonly ratio?: number;
}

export type MetricThresholds = Partial<Record<'errorRate' | 'p50Ms' | 'p99Ms', ThresholdView>>;

export interface StepBoundary {
  readonly index: number;
  readonly kind: string;
  readonly startedAt: number;
  readonly description: string;
}

/** Columns of one version's samples (already ordered by time). */
export function seriesView(version: string, role: 'stable' | 'canary', samples: readonly MetricSample[]): MetricSeriesView {
  const view: MetricSeriesView = { version, role, t: [], requests: [], errors: [], errorRate: [], p50Ms: [], p99Ms: [] };
  for (const s of samples) {
    view.t.push(s.at);
    view.requests.push(s.requests);
    view.errors.push(s.errors);
    view.errorRate.push(s.requests > 0 ? s.errors / s.requests : null);
    view.p50Ms.push(s.p50Ms);
    view.p99Ms.push(s.p99Ms);
  }
  return view;
}

/** Builtin metric names whose threshold judges draw a line, and the chart each belongs to. */
const THRESHOLD_QUERIES: Readonly<Record<string, keyof MetricThresholds>> = { 'error-rate': 'errorRate', 'latency-p50': 'p50Ms', 'latency-p99': 'p99Ms' };

/** `result < 0.01`, `result * 1000 <= 500`, `result > 0.05`: the bound on `result`; undefined for anything else. */
export function conditionBound(condition: string | undefined): number | undefined {
  if (condition === undefined) return undefined;
  const match = /^\s*result\s*(?:\*\s*([0-9.]+(?:e-?\d+)?)\s*)?(?:<=?|>=?)\s*([0-9.]+(?:e-?\d+)?)\s*$/i.exec(condition);
  if (match === null) return undefined;
  const scale = match[1] === undefined ? 1 : Number(match[1]);
  const bound = Number(match[2]) / scale;
  return Number.isFinite(bound) && scale > 0 ? bound : undefined;
}

/** The line a guard condition draws, if it has one. */
function conditionThreshold(condition: GuardCondition): [keyof MetricThresholds, ThresholdView] | undefined {
  const { judge, provider, name, action } = condition;
  if (judge.kind === 'threshold' && provider.kind === 'builtin') {
    const key = THRESHOLD_QUERIES[condition.query ?? ''];
    const failing = conditionBound(judge.failureCondition);
    const value = failing ?? conditionBound(judge.successCondition);
    const rule = failing !== undefined ? `when ${judge.failureCondition}` : `unless ${judge.successCondition}`;
    return key === undefined || value === undefined ? undefined : [key, { value, label: `guard ${name}: ${action} ${rule}` }];
  }
  if (judge.kind === 'errorRate') {
    const o = { ...DEFAULT_ERROR_RATE_OPTIONS, ...judge.options };
    const value = o.fastRatio * o.errorFloor;
    return ['errorRate', { value, label: `guard ${name}: ${action} at ${o.fastRatio}× stable's rate (${round(value * 100)} % while stable is under ${round(o.errorFloor * 100)} %)`, relativeTo: 'stable', ratio: o.fastRatio }];
  }
  return undefined;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The lines the rollout's guard (DEFAULT_GUARD when it names none) draws; a fixed threshold wins over a relative one. */
export function guardThresholds(rollout: Rollout): MetricThresholds {
  const conditions = rollout.status.guard?.conditions ?? rollout.spec.guard?.conditions ?? DEFAULT_GUARD.conditions;
  const out: MetricThresholds = {};
  for (const condition of conditions) {
    const found = conditionThreshold(condition);
    if (found === undefined) continue;
    const [key, view] = found;
    const held = out[key];
    if (held === undefined || (held.relativeTo !== undefined && view.relativeTo === undefined)) out[key] = view;
  }
  return out;
}

/**
 * When each step started: the first at the rollout's start (its Pending → Progressing change, else
 * its creation), every later one when the StepCompleted of the step before it was recorded. Steps
 * not reached yet are left out. Waves' per-target StepCompleted events are not step boundaries.
 */
export function stepBoundaries(rollout: Rollout, events: readonly ReleaseEvent[]): StepBoundary[] {
  const steps = rollout.spec.strategy.steps;
  const started = events.find((e) => e.type === EventType.PhaseChanged && e.from === 'Pending');
  const startedAt = new Map<number, number>([[0, started?.at ?? rollout.status.createdAt]]);
  for (const e of events) {
    const data = e.data as { step?: unknown; kind?: unknown } | undefined;
    if (e.type !== EventType.StepCompleted || data?.kind === 'target' || typeof data?.step !== 'number') continue;
    if (!startedAt.has(data.step + 1)) startedAt.set(data.step + 1, e.at);
  }
  const out: StepBoundary[] = [];
  steps.forEach((step, index) => {
    const at = startedAt.get(index);
    if (at !== undefined) out.push({ index, kind: step.kind, startedAt: at, description: describeStrategyStep(rollout.spec.strategy, index) });
  });
  return out;
}
