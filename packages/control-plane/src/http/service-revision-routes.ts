import { ErrorCode, SluiceError, type Service } from '@sluice/domain';
import { Hono } from 'hono';
import { readyBackends } from '../orchestrator/reconcile-service.js';
import { revisionStates, undoService, type RevisionState } from '../rollouts/service-commands.js';
import type { Store } from '../store/store.js';
import { actorOf, limitBody, MAX_COMMAND_BYTES, readCommandBody } from './request-input.js';
import { sourceOf } from './request-source.js';
import { serviceView } from './views.js';
import type { ApiDeps } from './api-routes.js';

/** What the revision routes use of the API's dependencies. */
export type ServiceRevisionRouteDeps = Pick<ApiDeps, 'store' | 'controller' | 'traffic' | 'runtime' | 'clock' | 'log'>;

/** The largest revision number a request may name. */
const MAX_REVISION = Number.MAX_SAFE_INTEGER;

async function getService(store: Store, name: string): Promise<Service> {
  const service = await store.services.get(name);
  if (!service) throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `Service "${name}" does not exist`, { details: { service: name } });
  return service;
}

/** A RevisionView of docs/api.md: the revision, whether it is current, and whether `undo` may return to it. */
export function revisionView(state: RevisionState) {
  return {
    ...state.revision,
    current: state.current,
    ...(state.supersededAt === undefined ? {} : { supersededAt: state.supersededAt }),
    undoable: state.unavailable === undefined,
    ...(state.unavailable === undefined ? {} : { reason: state.unavailable }),
  };
}

/** GET /services/{name}/revisions and POST /services/{name}/undo, mounted under /api/v1. */
export function serviceRevisionRoutes(deps: ServiceRevisionRouteDeps): Hono {
  const api = new Hono();
  api.get('/services/:name/revisions', async (c) => {
    const service = await getService(deps.store, c.req.param('name'));
    const revisions = await deps.store.revisions.list(service.name);
    return c.json({ items: revisionStates(service, revisions, deps.clock.now()).map(revisionView) });
  });
  api.post('/services/:name/undo', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { toRevision: { type: 'integer', min: 1, max: MAX_REVISION } });
    const toRevision = typeof body.toRevision === 'number' ? body.toRevision : undefined;
    const ctx = { store: deps.store, clock: deps.clock, actor: actorOf(c), source: sourceOf(c), readyBackends: (s: Service) => readyBackends(s, deps.runtime) };
    const service = await undoService(ctx, c.req.param('name'), toRevision);
    deps.log.info('service undone', { service: service.name, stable: service.status.stable, revision: service.status.revision, by: ctx.actor });
    deps.controller.kick();
    const [active] = await deps.store.rollouts.list({ service: service.name, activeOnly: true });
    return c.json(await serviceView(service, { ...deps, activeRollout: active?.name, problem: deps.controller.serviceProblem(service.name) }));
  });
  return api;
}
