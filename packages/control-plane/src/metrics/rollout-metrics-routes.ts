import { ErrorCode, EventType, SluiceError, type Clock, type Rollout } from '@sluice/domain';
import { Hono } from 'hono';
import { intQuery } from '../http/request-input.js';
import type { Store } from '../store/store.js';
import { RECENT_ROLLOUT_MS } from './watched-rollouts.js';
import { guardThresholds, seriesView, stepBoundaries, type MetricSeriesView, type MetricThresholds, type StepBoundary } from './rollout-metrics-view.js';

/** The span one answer covers at most: the last 6 hours (21,600 points per series). */
export const MAX_METRICS_SPAN_MS = 6 * 3_600_000;
const STEP_MS = 1000;

/** The answer of GET /rollouts/{name}/metrics. */
export interface RolloutMetricsView {
  readonly rollout: string;
  readonly service: string;
  readonly stable: string;
  readonly canary: string;
  /** The rollout's creation. */
  readonly from: number;
  /** Now while the rollout runs (or ended less than 10 minutes ago), else its end + 10 minutes. */
  readonly to: number;
  readonly stepMs: number;
  /** Present (true) when older points were left out to keep within 6 hours. */
  readonly truncated?: true;
  readonly series: readonly MetricSeriesView[];
  readonly thresholds: MetricThresholds;
  readonly steps: readonly StepBoundary[];
}

export interface RolloutMetricsDeps {
  readonly store: Pick<Store, 'rollouts' | 'events' | 'metricSamples'>;
  readonly clock: Clock;
}

async function getRollout(store: RolloutMetricsDeps['store'], name: string): Promise<Rollout> {
  const rollout = await store.rollouts.get(name);
  if (!rollout) throw new SluiceError(ErrorCode.ROLLOUT_NOT_FOUND, `Rollout "${name}" does not exist`, { details: { rollout: name } });
  return rollout;
}

/** The rollout's metric history, `after` a time when given, within the last 6 hours of the span. */
export async function rolloutMetrics(deps: RolloutMetricsDeps, rollout: Rollout, after: number | undefined): Promise<RolloutMetricsView> {
  const { service, target } = rollout.spec;
  const { stable, createdAt, finishedAt } = rollout.status;
  const now = deps.clock.now();
  const to = finishedAt === undefined ? now : Math.min(now, finishedAt + RECENT_ROLLOUT_MS);
  const wanted = Math.max(createdAt, after === undefined ? createdAt : after + 1);
  const start = Math.max(wanted, to - MAX_METRICS_SPAN_MS);
  // Whole seconds: a sample's `at` is its second's start; the one of `to` is not complete yet unless `to` is past it.
  const range = { service, from: Math.ceil(start / STEP_MS) * STEP_MS, to };
  const roles: [string, 'stable' | 'canary'][] = stable === target ? [[stable, 'stable']] : [[stable, 'stable'], [target, 'canary']];
  const [series, events] = await Promise.all([
    Promise.all(roles.map(async ([version, role]) => seriesView(version, role, await deps.store.metricSamples.list({ ...range, versions: [version] })))),
    deps.store.events.list({ subject: { kind: 'Rollout', name: rollout.name }, types: [EventType.StepCompleted, EventType.PhaseChanged], limit: 10_000 }),
  ]);
  return {
    rollout: rollout.name,
    service,
    stable,
    canary: target,
    from: createdAt,
    to,
    stepMs: STEP_MS,
    ...(start > wanted ? { truncated: true as const } : {}),
    series,
    thresholds: guardThresholds(rollout),
    steps: stepBoundaries(rollout, events),
  };
}

/**
 * GET /rollouts/{name}/metrics[?after=MS]: per-second requests, error rate and p50/p99 latency of the
 * rollout's stable and canary versions, columnar, with its guard's thresholds and step boundaries.
 * Mount under /api/v1; errors go to the parent app's onError.
 */
export function rolloutMetricsRoutes(deps: RolloutMetricsDeps): Hono {
  const app = new Hono();
  app.get('/rollouts/:name/metrics', async (c) => {
    const after = intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
    const rollout = await getRollout(deps.store, c.req.param('name'));
    return c.json(await rolloutMetrics(deps, rollout, after));
  });
  return app;
}
