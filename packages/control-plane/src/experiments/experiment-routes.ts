import {
  allocationOrder, ErrorCode, SluiceError, totalExposures, variantBucketRanges,
  type Experiment, type ExperimentCounts, type ExperimentReport,
} from '@sluice/domain';
import { Hono, type Context } from 'hono';
import type { ApiDeps } from '../http/api-routes.js';
import { actorOf, limitBody, MAX_COMMAND_BYTES, readCommandBody } from '../http/request-input.js';
import { sourceOf } from '../http/request-source.js';
import { readyBackends } from '../orchestrator/reconcile-service.js';
import type { Store } from '../store/store.js';
import { parseEventsBody, MAX_EVENTS_BYTES } from './event-input.js';
import { createProviderFactory } from '../providers/provider-factory.js';
import { experimentNotFound, promoteExperiment, reportOf, stopExperiment, type ExperimentCommandContext } from './experiment-commands.js';
import { providerStatsReader, type ProviderStatsReader } from './provider-stats.js';
import { recordEvents } from './record-events.js';

/** What the experiment routes use of the API's dependencies. */
export type ExperimentRouteDeps = Pick<ApiDeps, 'store' | 'controller' | 'runtime' | 'clock' | 'log' | 'windows' | 'providers'>;

/** An ExperimentView of docs/api.md: the experiment, the users it counted and its report. */
export interface ExperimentView extends Experiment {
  /** Each variant's bucket range of 0..9,999 (bucketOf(name, key)): how any SDK assigns users the same way. */
  readonly allocation: readonly { readonly variant: string; readonly weight: number; readonly from: number; readonly to: number }[];
  readonly users: number;
  readonly droppedExposures: number;
  readonly report: ExperimentReport;
}

/** The view, with provider metrics read up to `nowMs` (or the experiment's end). */
async function viewOf(store: Store, experiment: Experiment, providerStats: ProviderStatsReader, nowMs: number): Promise<ExperimentView> {
  const counts: ExperimentCounts = await store.experiments.counts(experiment.name);
  const { spec } = experiment;
  const ranges = variantBucketRanges(allocationOrder(spec.variants, spec.control));
  const allocation = ranges.map((r) => ({ variant: r.name, weight: spec.variants.find((v) => v.name === r.name)?.weight ?? 0, from: r.from, to: r.to }));
  const report = await reportOf(store, experiment, await providerStats(experiment, nowMs));
  return { ...experiment, allocation, users: totalExposures(counts), droppedExposures: counts.droppedExposures, report };
}

const PHASES = ['Running', 'Stopped', 'Promoted'] as const;

function phaseQuery(raw: string | undefined): (typeof PHASES)[number] | undefined {
  if (raw === undefined) return undefined;
  const phase = PHASES.find((p) => p.toLowerCase() === raw.toLowerCase());
  if (phase !== undefined) return phase;
  throw new SluiceError(ErrorCode.INVALID_REQUEST, 'Query parameter "phase" is invalid', { problems: [{ path: '?phase', message: 'not a phase', found: raw.slice(0, 40), expected: PHASES.join(', ') }] });
}

/** GET /experiments[/{name}], POST /experiments/{name}/stop|promote and POST /events, mounted under /api/v1. */
export function experimentRoutes(deps: ExperimentRouteDeps): Hono {
  const api = new Hono();
  const providerStats = providerStatsReader(deps.providers ?? createProviderFactory({ traffic: deps.windows }));
  const view = (experiment: Experiment): Promise<ExperimentView> => viewOf(deps.store, experiment, providerStats, deps.clock.now());
  const ctx = (c: Context): ExperimentCommandContext => ({ store: deps.store, clock: deps.clock, actor: actorOf(c), source: sourceOf(c), readyBackends: (s) => readyBackends(s, deps.runtime), providerStats });
  api.get('/experiments', async (c) => {
    const service = c.req.query('service');
    const phase = phaseQuery(c.req.query('phase'));
    const all = await deps.store.experiments.list(service === undefined ? {} : { service });
    const items = await Promise.all(all.filter((e) => phase === undefined || e.status.phase === phase).map(view));
    return c.json({ items });
  });
  api.get('/experiments/:name', async (c) => {
    const experiment = await deps.store.experiments.get(c.req.param('name'));
    if (experiment === undefined) throw experimentNotFound(c.req.param('name'));
    return c.json(await view(experiment));
  });
  api.post('/experiments/:name/stop', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { reason: { type: 'string', maxLength: 1000, nonEmpty: true } });
    const stopped = await stopExperiment(ctx(c), c.req.param('name'), typeof body.reason === 'string' ? body.reason : undefined);
    deps.log.info('experiment stopped', { experiment: stopped.name, result: stopped.status.result?.result, by: actorOf(c) });
    deps.controller.kick();
    return c.json(await view(stopped));
  });
  api.post('/experiments/:name/promote', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { variant: { type: 'string', maxLength: 63, nonEmpty: true }, force: 'boolean' });
    const options = { variant: typeof body.variant === 'string' ? body.variant : undefined, force: body.force === true };
    const promoted = await promoteExperiment(ctx(c), c.req.param('name'), options);
    deps.log.info('experiment promoted', { experiment: promoted.name, variant: promoted.status.promoted?.variant, by: actorOf(c) });
    deps.controller.kick();
    return c.json(await view(promoted));
  });
  api.post('/events', limitBody(MAX_EVENTS_BYTES, deps.log), async (c) => {
    const events = parseEventsBody(await c.req.text(), deps.clock.now());
    return c.json(await recordEvents(deps.store, events));
  });
  return api;
}
