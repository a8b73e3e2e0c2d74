import { ErrorCode, SluiceError, type ApprovalPolicy, type Clock } from '@sluice/domain';
import { parseResources, resourceJsonSchema, type ParsedResource } from '@sluice/spec';
import { Hono, type Context } from 'hono';
import type { Registry } from 'prom-client';
import { EventFeed } from '../events/event-feed.js';
import { eventRoutes } from '../events/event-routes.js';
import { experimentRoutes } from '../experiments/experiment-routes.js';
import { flagRoutes } from '../flags/flag-routes.js';
import type { FlagServices } from '../flags/flag-services.js';
import { unleashClientRoutes } from '../flags/unleash/unleash-routes.js';
import type { TrafficWindows } from '../metrics/traffic-windows.js';
import { trafficRoutes } from '../metrics/traffic-routes.js';
import { rolloutMetricsRoutes } from '../metrics/rollout-metrics-routes.js';
import type { ControllerView as Controller } from '../orchestrator/controller-view.js';
import type { Logger } from '../platform/logger.js';
import { applyResources } from '../resources/apply-resources.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { analysisTemplateRoutes } from './analysis-template-routes.js';
import { toErrorResponse } from './error-response.js';
import { openApiDocument } from './openapi.js';
import { actorOf, boolQuery, intQuery, limitBody, MAX_APPLY_BYTES, readApplyFiles } from './request-input.js';
import { sourceMiddleware, sourceOf } from './request-source.js';
import { rolloutRoutes, STATUS_EXCLUDED_TYPES } from './rollout-routes.js';
import { segmentRoutes } from './segment-routes.js';
import { serviceRevisionRoutes } from './service-revision-routes.js';
import { serviceView } from './views.js';
import { uiRoutes } from './ui-routes.js';
import { targetRoutes } from '../waves/target-routes.js';
import type { TargetRouters } from '../waves/target-routers.js';
import type { ProviderResolver } from '../providers/provider-factory.js';
import type { WebhookDispatcher } from '../notifications/webhook-dispatcher.js';
import type { OutboundPolicy } from '../notifications/outbound-policy.js';
import { webhookRoutes } from '../notifications/webhook-routes.js';
import type { ProxyObservation } from '@sluice/proxy';
import { dataPlaneSyncRoutes } from '../data-plane-sync/data-plane-routes.js';
import type { DataPlaneReports, RouteFeed } from '../data-plane-sync/route-feed.js';
import { haRoutes, type HaRouteDeps } from '../ha/ha-routes.js';
import { CONTROLLER_LEASE } from '../ha/leader-election.js';
import { createApiAuth, mountAuth, type ApiAuth } from '../auth/api-auth.js';

export interface ApiDeps {
  readonly store: Store;
  readonly controller: Controller;
  readonly traffic: TrafficRouter;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly windows: TrafficWindows;
  /** The Targets' data planes, for what each target serves; absent, targets are listed without it. */
  readonly targets?: TargetRouters | undefined;
  /** Metric providers for experiments' provider metrics; absent, a factory over `windows`. */
  readonly providers?: ProviderResolver | undefined;
  /** The flag stream hub and client tokens; absent (some tests), flag routes work without live push. */
  readonly flags?: FlagServices | undefined;
  /** The built release center (packages/ui/dist) to serve at /ui/; absent, there is no web UI. */
  readonly uiDir?: string | undefined;
  /** The one reader of new events behind /events/stream (closed at shutdown); absent, the API makes its own. */
  readonly eventFeed?: EventFeed | undefined;
  /** The webhook dispatcher and outbound policy; absent, there are no /webhooks routes and apply does not check webhook URLs. */
  readonly webhooks?: { readonly dispatcher: WebhookDispatcher; readonly policy: OutboundPolicy } | undefined;
  /** Take the client address of events from X-Forwarded-For's last entry (sluice server --trust-proxy); default: the socket's peer. */
  readonly trustProxy?: boolean | undefined;
  /** `selfApproval: false` (sluice server --no-self-approval): a rollout's author may not approve it unless its step allows it. */
  readonly approvalPolicy?: ApprovalPolicy | undefined;
  /** API tokens and whether they are required (sluice server --auth); absent, auth is off. */
  readonly auth?: ApiAuth | undefined;
  /** The route tables streamed to remote data planes and where their reports and observations go; absent, no /data-plane routes. */
  readonly dataPlaneSync?: { readonly feed: RouteFeed & DataPlaneReports; readonly observe: (o: ProxyObservation) => void } | undefined;
  /** This replica's role in leader election; absent, no /leader and /data-planes routes. */
  readonly leadership?: HaRouteDeps['leadership'] | undefined;
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
  const results = await applyResources(deps.store, resources, { dryRun, actor: actorOf(c), source: sourceOf(c), now: deps.clock.now(), dataPlane: deps.traffic, runtime: deps.runtime, ...(deps.webhooks ? { webhookPolicy: deps.webhooks.policy } : {}) });
  if (!dryRun) {
    deps.controller.kick();
    // Flag and segment changes reach connected SDKs before the apply answers.
    await deps.flags?.hub.notify();
  }
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
    // Measurements belong to each rollout's decision log (`explain`); the history keeps the decisions.
    const filter = { service: name, limit: 10_000, excludeTypes: STATUS_EXCLUDED_TYPES, ...(afterSeq === undefined ? {} : { afterSeq }) };
    return c.json({ items: await deps.store.events.list(filter) });
  });
}

/** The control-plane HTTP API: REST JSON under /api/v1, plus /healthz, /metrics and the release center at /ui/. */
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
  // Before every route: with auth on, each request is checked against auth/permissions.ts first.
  const authApi = mountAuth(app, deps.auth ?? createApiAuth(deps.store, deps.clock, false), { store: deps.store, log: deps.log, clock: deps.clock, flagTokens: deps.flags?.tokens });
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', async (c) => c.text(await deps.metrics.metrics(), 200, { 'content-type': deps.metrics.contentType }));
  if (deps.uiDir !== undefined) app.route('/', uiRoutes(deps.uiDir));
  const api = new Hono();
  api.use('*', sourceMiddleware(deps.trustProxy === true));
  api.get('/openapi.json', (c) => c.json(openApiDocument()));
  api.get('/schema', (c) => c.json(resourceJsonSchema()));
  api.post('/apply', limitBody(MAX_APPLY_BYTES, deps.log), (c) => apply(c, deps));
  api.route('/', eventRoutes({ store: deps.store, feed: deps.eventFeed ?? new EventFeed(deps.store, { log: deps.log }), log: deps.log }));
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
  api.route('/', rolloutRoutes(deps));
  api.route('/', rolloutMetricsRoutes(deps));
  api.route('/', serviceRevisionRoutes(deps));
  api.route('/', segmentRoutes(deps.store));
  api.route('/', targetRoutes(deps.store, deps.targets));
  api.route('/', analysisTemplateRoutes(deps.store));
  api.route('/', experimentRoutes(deps));
  api.route('/', flagRoutes(deps));
  if (deps.webhooks) api.route('/', webhookRoutes({ store: deps.store, dispatcher: deps.webhooks.dispatcher, clock: deps.clock }));
  api.route('/', trafficRoutes(deps.windows, { serviceExists: async (n) => (await deps.store.services.get(n)) !== undefined }));
  if (deps.dataPlaneSync) api.route('/', dataPlaneSyncRoutes({ feed: deps.dataPlaneSync.feed, reports: deps.dataPlaneSync.feed, observe: deps.dataPlaneSync.observe, clock: deps.clock, log: deps.log }));
  if (deps.leadership) api.route('/', haRoutes({ store: deps.store, clock: deps.clock, leadership: deps.leadership, lease: CONTROLLER_LEASE }));
  api.route('/', authApi);
  app.route('/api/v1', api);
  app.route('/api/client', unleashClientRoutes(deps));
  return app;
}
