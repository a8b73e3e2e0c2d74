import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ServerType } from '@hono/node-server';
import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import { BuiltinProxy, type ProxyObservation } from '@sluice/proxy';
import { parseResources } from '@sluice/spec';
import { Registry } from 'prom-client';
import { EventFeed } from './events/event-feed.js';
import { createApi } from './http/api-routes.js';
import { startApiAuth } from './auth/api-auth.js';
import { checkDataPlaneRuntime, startDataPlane, type DataPlaneKind } from './data-plane.js';
import { defaultUiDir } from './http/ui-routes.js';
import { listenApi } from './http/listen-api.js';
import { bindControllerMetrics, bindLeadershipMetrics } from './metrics/controller-metrics.js';
import { bindTrafficMetrics } from './metrics/traffic-prometheus.js';
import { TrafficWindows } from './metrics/traffic-windows.js';
import { StepExecutorRegistry } from './orchestrator/step-executor.js';
import type { AnalysisDeps } from './analysis/run-analysis.js';
import { createPgSchemaMigrator } from './migrations/schema-migrator.js';
import { createAnalysisExecutor } from './orchestrator/step-executors/analysis-executor.js';
import { approvalExecutor } from './orchestrator/step-executors/approval-executor.js';
import { createChecklistExecutor } from './orchestrator/step-executors/checklist-executor.js';
import { createLoadExecutor, type LoadExecutorOptions } from './orchestrator/step-executors/load-executor.js';
import { createAdaptiveExecutor } from './orchestrator/step-executors/adaptive-executor.js';
import { pointOfNoReturnExecutor } from './orchestrator/step-executors/point-of-no-return-executor.js';
import { activeLoadKey, LoadRegistry } from './load/load-registry.js';
import { upstreamHosts } from './load/load-targets.js';
import { pauseExecutor } from './orchestrator/step-executors/pause-executor.js';
import { createProviderFactory } from './providers/provider-factory.js';
import { ExposedKeys } from './guard/exposed-keys.js';
import { Guardian } from './guard/guardian.js';
import { setHeaderRouteExecutor } from './orchestrator/step-executors/set-header-route-executor.js';
import { setMirrorExecutor } from './orchestrator/step-executors/set-mirror-executor.js';
import { setSegmentRouteExecutor } from './orchestrator/step-executors/set-segment-route-executor.js';
import { setWeightExecutor } from './orchestrator/step-executors/set-weight-executor.js';
import { rollingBatchesExecutor } from './orchestrator/step-executors/rolling-batches-executor.js';
import { FlagEvaluationCounter } from './flags/flag-evaluations.js';
import { FlagHub } from './flags/flag-hub.js';
import { FlagTokens, type FlagTokenEntry } from './flags/flag-tokens.js';
import { createLineLogger, type Logger } from './platform/logger.js';
import { parseListen } from './platform/listen-address.js';
import { applyResources } from './resources/apply-resources.js';
import type { Runtime } from './runtime/runtime.js';
import { startRuntime, type RuntimeKind } from './runtime-choice.js';
import { connectCluster, type KubernetesChoice } from './kubernetes-choice.js';
import { openStore } from './store/open-store.js';
import { BuiltinProxyRouter } from './traffic/builtin-proxy/builtin-proxy-router.js';
import type { TrafficRouter } from './traffic/traffic-router.js';
import { TargetRouters, type TargetRouting } from './waves/target-routers.js';
import { createHttpSender } from './notifications/webhook-sender.js';
import { ControllerSlot, type LeaderWorkParts } from './leader-work.js';
import { checkHaChoice, startLeadership, type HaChoice, type Leadership } from './leader-choice.js';
import { StoreRouteFeed } from './ha/store-route-feed.js';
import { storeRouteTablePort } from './ha/route-table-port.js';

export interface ControlPlaneOptions {
  /** Where the SQLite file and runtime state live (created if missing). */
  readonly dataDir: string;
  /** host:port of the HTTP API; port 0 picks a free one. */
  readonly listen: string;
  /** postgres://… to use PostgreSQL instead of SQLite. */
  readonly databaseUrl?: string | undefined;
  /** Resource files applied at start (before the controller runs), e.g. the demo. */
  readonly applyFiles?: readonly string[] | undefined;
  /** Where log lines go; stderr by default. */
  readonly log?: ((line: string) => void) | undefined;
  /** Working directory for `run` commands; the process's cwd by default. */
  readonly cwd?: string | undefined;
  readonly clock?: Clock | undefined;
  readonly pollMs?: number | undefined;
  /**
   * 0 (default): the built-in proxy runs inside this process. N > 0: it runs as N worker processes
   * (one per core is a good choice) that can be restarted without refusing a connection.
   */
  readonly proxyWorkers?: number | undefined;
  /** Which engine serves traffic: the built-in proxy (default), or an nginx or HAProxy Sluice starts and drives. */
  readonly dataPlane?: DataPlaneKind | undefined;
  /** Where versions run: local processes (default), or Deployments in a Kubernetes cluster. */
  readonly runtime?: RuntimeKind | undefined;
  /** The cluster, for the Kubernetes runtime and the gateway-api and istio data planes. */
  readonly kubernetes?: KubernetesChoice | undefined;
  /** Client tokens for flag SDKs (Sluice's and Unleash's), each reading one environment. */
  readonly flagTokens?: readonly FlagTokenEntry[] | undefined;
  /** The built release center served at /ui/; packages/ui/dist by default. */
  readonly uiDir?: string | undefined;
  /** The only hosts webhooks may reach (see notifications/outbound-policy.ts); empty or absent: any public address. */
  readonly webhookAllowHosts?: readonly string[] | undefined;
  /** Several replicas on one PostgreSQL with leader election (sluice server --ha); see docs/ha.md. */
  readonly ha?: HaChoice | undefined;
  /** Behind a reverse proxy: events record the client the last X-Forwarded-For entry names (sluice server --trust-proxy). */
  readonly trustProxy?: boolean | undefined;
  /** false (sluice server --no-self-approval): a rollout's author may not approve it unless its step says allowAuthor: true. */
  readonly selfApproval?: boolean | undefined;
  /**
   * API tokens (docs/auth.md): `enabled` (sluice server --auth) makes every route but the public and
   * flag-client ones need a token. With no token yet, an admin token is made: from `bootstrapToken`
   * (SLUICE_BOOTSTRAP_TOKEN), else written to `<dataDir>/admin-token`. Off by default.
   */
  readonly auth?: { readonly enabled: boolean; readonly bootstrapToken?: string | undefined } | undefined;
}

export interface RunningControlPlane {
  /** Base URL of the HTTP API, with the real port. */
  readonly url: string;
  close(): Promise<void>;
  /** Rolling restart of the data plane (multi-process mode only; rejects with CONFLICT otherwise). */
  restartProxy(): Promise<void>;
}

/** The standard step executors. Later issues register more here. */
export interface VerificationWiring {
  readonly analysis: AnalysisDeps;
  readonly loads: LoadRegistry;
  readonly allowedLoadHosts?: LoadExecutorOptions['allowedHosts'];
  readonly cwd?: string | undefined;
}

export function defaultStepExecutors(verification: VerificationWiring): StepExecutorRegistry {
  return new StepExecutorRegistry()
    .register(setWeightExecutor)
    .register(rollingBatchesExecutor)
    .register(pauseExecutor)
    .register(setHeaderRouteExecutor)
    .register(setSegmentRouteExecutor)
    .register(setMirrorExecutor)
    .register(createAnalysisExecutor(verification.analysis))
    .register(approvalExecutor)
    .register(createChecklistExecutor({ providers: verification.analysis.providers, cwd: verification.cwd }))
    .register(createLoadExecutor(verification.loads, verification.allowedLoadHosts === undefined ? {} : { allowedHosts: verification.allowedLoadHosts }))
    .register(createAdaptiveExecutor({ providers: verification.analysis.providers }))
    .register(pointOfNoReturnExecutor);
}

async function applyAtStart(files: readonly string[], deps: { store: Awaited<ReturnType<typeof openStore>>; clock: Clock; log: Logger; dataPlane: TrafficRouter; runtime: Runtime; webhookPolicy: { allowHosts: readonly string[] } }) {
  for (const file of files) {
    const resources = parseResources(await readFile(file, 'utf8'), { file });
    const results = await applyResources(deps.store, resources, { dryRun: false, actor: 'sluice server --apply', now: deps.clock.now(), dataPlane: deps.dataPlane, runtime: deps.runtime, webhookPolicy: deps.webhookPolicy });
    for (const r of results) deps.log.info(`${r.kind.toLowerCase()}/${r.name} ${r.action}`, { file });
  }
}

/**
 * Where the data plane's observations go: the traffic windows and, for canary requests, the sticky
 * keys that count the distinct users a rollout exposed. Requests refused before a version was chosen
 * (bad framing, limits) get their own reserved series, so they never count against a version's error rate.
 */
function observationSink(windows: TrafficWindows): { record: (o: ProxyObservation) => void; keys: ExposedKeys } {
  const keys = new ExposedKeys();
  const record = (o: ProxyObservation) => {
    windows.record(o.version === '' ? { ...o, version: '_rejected', route: '_rejected' } : o);
    if (o.key !== undefined) keys.record(o.service, o.version, o.key);
  };
  return { record, keys };
}

/** The built-in data plane: in this process, or as a cluster of worker processes. */
/**
 * Metric providers (from specs, over the proxy's windows), templates from the store, and the load
 * generators, which belong to a rollout's current load step: each pass stops any whose step is over.
 */
function wireVerification(store: Awaited<ReturnType<typeof openStore>>, windows: TrafficWindows, keys: ExposedKeys, cwd: string, flagEvaluations: FlagEvaluationCounter) {
  const analysis: AnalysisDeps = { providers: createProviderFactory({ traffic: windows, cwd }), template: (name) => store.analysisTemplates.get(name) };
  const loads = new LoadRegistry();
  const allowedLoadHosts = async (r: { spec: { service: string } }) => {
    const service = await store.services.get(r.spec.service);
    return service === undefined ? [] : upstreamHosts(service);
  };
  const guardian = new Guardian(analysis.providers, keys, flagEvaluations);
  const afterPass = (active: readonly Parameters<typeof activeLoadKey>[0][]) => {
    void loads.stopExcept(active.map(activeLoadKey));
    guardian.retain(active);
  };
  return { analysis, loads, allowedLoadHosts, afterPass, guardian, cwd };
}

/** Closes the HTTP server (and its open connections, streams included), then each part in order; once. */
function shutdown(server: ServerType, parts: readonly (() => unknown)[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      for (const part of parts) await part();
    })());
}

/** Rollout events POSTed to Webhooks, only to the hosts the policy allows. */
function webhookWiring(options: ControlPlaneOptions) {
  const webhookPolicy = { allowHosts: options.webhookAllowHosts ?? [] };
  return { webhookPolicy, webhookSender: createHttpSender(webhookPolicy) };
}

/** A cluster is connected to only when the runtime or the data plane is Kubernetes. */
function needsCluster(options: ControlPlaneOptions): boolean {
  return options.runtime === 'kubernetes' || options.dataPlane === 'gateway-api' || options.dataPlane === 'istio';
}

/**
 * The composition root: the only place adapters are constructed and wired. Starts the store, the
 * built-in proxy, the local-process runtime, the controller and the HTTP API.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const log = createLineLogger(options.log ?? ((line) => process.stderr.write(`${line}\n`)));
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const { host, port } = parseListen(options.listen, '--listen');
  // Bad platform options fail before anything is opened or started.
  checkDataPlaneRuntime(options.dataPlane ?? 'builtin', options.runtime ?? 'process');
  checkHaChoice(options.ha, { databaseUrl: options.databaseUrl, dataPlane: options.dataPlane ?? 'builtin' });
  const cluster = needsCluster(options) ? await connectCluster(options.kubernetes ?? {}) : undefined;
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const store = await openStore({ databaseUrl: options.databaseUrl, dataDir });
  const metrics = new Registry();
  // Every proxied request lands in 1-second windows (for analysis) and is exported at /metrics.
  const windows = new TrafficWindows({ clock });
  bindTrafficMetrics(metrics, windows);
  const { record, keys } = observationSink(windows);
  // The term running now: its controller for the API, its (fenced) store for publishing route tables.
  const slot = new ControllerSlot();
  const published = { port: storeRouteTablePort(store, () => slot.writer()), now: () => clock.now() };
  const traffic = await startDataPlane({ kind: options.dataPlane ?? 'builtin', workers: options.proxyWorkers ?? 0, stateDir: dataDir, observer: record, log, cluster, published });
  // Each Target gets a built-in proxy of its own (its own listeners), created here on first use; all feed the same windows.
  const targetRouters = new TargetRouters(() => new BuiltinProxyRouter(new BuiltinProxy({ observer: record })));
  const targets: TargetRouting = { routers: targetRouters, store: store.targets };
  const runtime = await startRuntime({ kind: options.runtime ?? 'process', stateDir: dataDir, cwd: options.cwd ?? process.cwd(), clock, log, traffic, cluster, highAvailability: options.ha?.enabled === true });
  bindControllerMetrics(metrics, store);
  const flags = { hub: new FlagHub(store, { log }), tokens: new FlagTokens(options.flagTokens ?? []), evaluations: new FlagEvaluationCounter() };
  const verification = wireVerification(store, windows, keys, options.cwd ?? process.cwd(), flags.evaluations);
  const { analysis, loads, afterPass, guardian } = verification;
  const migrator = createPgSchemaMigrator();
  const { webhookPolicy, webhookSender } = webhookWiring(options);
  const parts: LeaderWorkParts = { traffic, runtime, clock, log, baseExecutors: () => defaultStepExecutors(verification), analysis, guardian, afterPass, targets, hub: flags.hub, migrator, windows, webhookSender, pollMs: options.pollMs };
  // Every replica streams the published route tables to the remote data planes connected to it.
  const routeFeed = new StoreRouteFeed({ store, log });
  let leadership: Leadership | undefined;
  try {
    await applyAtStart(options.applyFiles ?? [], { store, clock, log, dataPlane: traffic, runtime, webhookPolicy });
    leadership = await startLeadership(options.ha, { store, parts, slot, clock, log });
    await flags.hub.start();
  } catch (error) {
    flags.hub.close();
    await Promise.allSettled([leadership?.stop(), loads.stopAll(), traffic.close(), targetRouters.close(), runtime.close(), migrator.close(), store.close()]);
    throw error;
  }
  bindLeadershipMetrics(metrics, leadership);
  const eventFeed = new EventFeed(store, { log });
  const api = createApi({ store, controller: slot, traffic, runtime, clock, log, metrics, windows, targets: targetRouters, providers: analysis.providers, flags, uiDir: options.uiDir ?? defaultUiDir(), eventFeed, webhooks: { dispatcher: leadership.dispatcher, policy: webhookPolicy }, dataPlaneSync: { feed: routeFeed, observe: record }, leadership, auth: await startApiAuth(store, clock, options.auth, { dataDir, log }), trustProxy: options.trustProxy === true, approvalPolicy: { selfApproval: options.selfApproval !== false } });
  const http = await listenApi(api.fetch, host, port, log);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${http.port}`;
  log.info('control plane listening', { url, store: store.kind, dataDir });
  const close = shutdown(http.server, [() => eventFeed.close(), () => flags.hub.close(), () => routeFeed.close(), () => leadership.stop(), () => loads.stopAll(), () => traffic.close(), () => targetRouters.close(), () => runtime.close(), () => migrator.close(), () => store.close()]);
  const restartProxy = async () => {
    if (!traffic.restart) throw new SluiceError(ErrorCode.CONFLICT, 'The built-in proxy runs inside the control plane; start with --proxy-workers N to restart it on its own');
    await traffic.restart();
  };
  return { url, close, restartProxy };
}
