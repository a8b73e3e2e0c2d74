import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import { parseResources, resourceJsonSchema, type ParsedResource } from '@sluice/spec';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Registry } from 'prom-client';
import type { TrafficWindows } from '../metrics/traffic-windows.js';
import { trafficRoutes } from '../metrics/traffic-routes.js';
import type { Controller } from '../orchestrator/controller.js';
import type { Logger } from '../platform/logger.js';
import { applyResources } from '../resources/apply-resources.js';
import { abortRollout, promoteRollout } from '../rollouts/rollout-commands.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { toErrorResponse } from './error-response.js';
import { openApiDocument } from './openapi.js';
import { actorOf, boolQuery, intQuery, MAX_APPLY_BYTES, MAX_COMMAND_BYTES, readApplyFiles, readCommandBody } from './request-input.js';
import { segmentRoutes } from './segment-routes.js';
import { rolloutView, serviceView } from './views.js';

export interface ApiDeps {
  readonly store: Store;
  readonly controller: Controller;
  readonly traffic: TrafficRouter;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly windows: TrafficWindows;
}

/**
 * Rejects bodies over `maxSize` with 413. The unread rest of the body is still on the socket, so the
 * answer says `Connection: close`: a client must not send its next request on that connection.
 */
function limit(maxSize: number, log: Logger) {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      const error = new SluiceError(ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than ${maxSize} bytes`, { details: { maxBytes: maxSize } });
      const { body } = toErrorResponse(error, log);
      return c.json(body, 413, { connection: 'close' });
    },
  });
}

async function getRollout(deps: ApiDeps, name: string) {
  const rollout = await deps.store.rollouts.get(name);
  if (!rollout) throw new SluiceError(ErrorCode.ROLLOUT_NOT_FOUND, `Rollout "${name}" does not exist`, { details: { rollout: name } });
  return rollout;
}

async function getService(deps: ApiDeps, name: string) {
  const service = await deps.store.services.get(name);
  if (!service) throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `Service "${name}" does not exist`, { details: { service: name } });
  return service;
}

/** Parses every file, reporting the problems of all of them together (not just the first bad file). */
function parseAll(files: readonly { name: string; text: string }[]): ParsedResource[] {
  const resources: ParsedResource[] = [];
  const failures: SluiceError[] = [];
  for (const f of files) {
    try {
      resources.push(...parseResources(f.text, { file: f.name }));
    } catch (error) {
      if (!(error instanceof SluiceError) || error.code !== ErrorCode.INVALID_SPEC) throw error;
      failures.push(error);
    }
  }
  const [first] = failures;
  if (failures.length === 1 && first) throw first;
  if (failures.length > 1) {
    const problems = failures.flatMap((e) => e.problems);
    throw new SluiceError(ErrorCode.INVALID_SPEC, `${problems.length} problems in ${files.length} files`, { problems });
  }
  return resources;
}

async function apply(c: Context, deps: ApiDeps) {
  const dryRun = boolQuery(c, 'dryRun');
  const files = await readApplyFiles(c);
  const resources = parseAll(files);
  const results = await applyResources(deps.store, resources, { dryRun, actor: actorOf(c), now: deps.clock.now(), dataPlane: deps.traffic });
  if (!dryRun) deps.controller.kick();
  return c.json({ dryRun, results });
}

function serviceRoutes(api: Hono, deps: ApiDeps): void {
  const viewOf = async (name: string) => {
    const service = await getService(deps, name);
    const [active] = await deps.store.rollouts.list({ service: name, activeOnly: true });
    return serviceView(service, { ...deps, activeRollout: active?.name, problem: deps.controller.serviceProblem(name) });
  };
  api.get('/services', async (c) => {
    const services = await deps.store.services.list();
    return c.json({ items: await Promise.all(services.map((s) => viewOf(s.name))) });
  });
  api.get('/services/:name', async (c) => c.json(await viewOf(c.req.param('name'))));
  api.get('/services/:name/history', async (c) => {
    const name = c.req.param('name');
    await getService(deps, name);
    const afterSeq = intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
    const filter = { service: name, limit: 10_000, ...(afterSeq === undefined ? {} : { afterSeq }) };
    return c.json({ items: await deps.store.events.list(filter) });
  });
}

function rolloutRoutes(api: Hono, deps: ApiDeps): void {
  api.get('/rollouts', async (c) => {
    const service = c.req.query('service');
    const rollouts = await deps.store.rollouts.list(service ? { service } : {});
    return c.json({ items: rollouts.map((r) => rolloutView(r, deps)) });
  });
  api.get('/rollouts/:name', async (c) => {
    const rollout = await getRollout(deps, c.req.param('name'));
    const events = await deps.store.events.list({ subject: { kind: 'Rollout', name: rollout.name }, limit: 100_000 });
    return c.json(rolloutView(rollout, { ...deps, events: events.slice(-20) }));
  });
  api.get('/rollouts/:name/events', async (c) => {
    const rollout = await getRollout(deps, c.req.param('name'));
    const afterSeq = intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
    const filter = { subject: { kind: 'Rollout' as const, name: rollout.name }, limit: 10_000, ...(afterSeq === undefined ? {} : { afterSeq }) };
    return c.json({ items: await deps.store.events.list(filter) });
  });
  api.post('/rollouts/:name/promote', limit(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { full: 'boolean' });
    const rollout = await promoteRollout({ ...deps, actor: actorOf(c) }, c.req.param('name'), body.full === true);
    deps.controller.kick();
    return c.json(rolloutView(rollout, deps));
  });
  api.post('/rollouts/:name/abort', limit(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { reason: 'string' });
    const reason = typeof body.reason === 'string' ? body.reason : undefined;
    const rollout = await abortRollout({ ...deps, actor: actorOf(c) }, c.req.param('name'), reason);
    deps.controller.kick();
    return c.json(rolloutView(rollout, deps));
  });
}

/** The control-plane HTTP API: REST JSON under /api/v1, plus /healthz and /metrics. */
export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, deps.log);
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    const { status, body } = toErrorResponse(
      new SluiceError(ErrorCode.NOT_FOUND, `No route ${c.req.method} ${c.req.path}; see /api/v1/openapi.json`),
      deps.log,
    );
    return c.json(body, status as 404);
  });
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', async (c) => c.text(await deps.metrics.metrics(), 200, { 'content-type': deps.metrics.contentType }));
  const api = new Hono();
  api.get('/openapi.json', (c) => c.json(openApiDocument()));
  api.get('/schema', (c) => c.json(resourceJsonSchema()));
  api.post('/apply', limit(MAX_APPLY_BYTES, deps.log), (c) => apply(c, deps));
  api.get('/events', async (c) => {
    const afterSeq = intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
    const max = intQuery(c, 'limit', { min: 1, max: 10_000 }) ?? 1000;
    return c.json({ items: await deps.store.events.list({ limit: max, ...(afterSeq === undefined ? {} : { afterSeq }) }) });
  });
  api.post('/proxy/restart', async (c) => {
    if (!deps.traffic.restart) {
      throw new SluiceError(ErrorCode.CONFLICT, `The ${deps.traffic.kind} data plane runs inside the control plane and cannot restart on its own`, {
        details: { router: deps.traffic.kind },
        problems: [{ message: 'restart needs the multi-process proxy', expected: 'sluice server --proxy-workers N (N ≥ 1)' }],
      });
    }
    const started = Date.now();
    await deps.traffic.restart();
    deps.log.info('data plane restarted', { by: actorOf(c), ms: Date.now() - started });
    return c.json({ restarted: true, router: deps.traffic.kind, ms: Date.now() - started });
  });
  serviceRoutes(api, deps);
  rolloutRoutes(api, deps);
  api.route('/', segmentRoutes(deps.store));
  api.route('/', trafficRoutes(deps.windows, { serviceExists: async (n) => (await deps.store.services.get(n)) !== undefined }));
  app.route('/api/v1', api);
  return app;
}
