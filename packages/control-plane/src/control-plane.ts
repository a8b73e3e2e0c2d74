import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import { BuiltinProxy, type ProxyObservation } from '@sluice/proxy';
import { parseResources } from '@sluice/spec';
import { Registry } from 'prom-client';
import { EventFeed } from './events/event-feed.js';
import { createApi } from './http/api-routes.js';
import { checkDataPlaneRuntime, startDataPlane, type DataPlaneKind } from './data-plane.js';
import { defaultUiDir } from './http/ui-routes.js';
import { bindControllerMetrics } from './metrics/controller-metrics.js';
import { bindTrafficMetrics } from './metrics/traffic-prometheus.js';
import { TrafficWindows } from './metrics/traffic-windows.js';
import { MetricHistory } from './metrics/metric-history.js';
import { Controller } from './orchestrator/controller.js';
import { StepExecutorRegistry } from './orchestrator/step-executor.js';
import type { AnalysisDeps } from './analysis/run-analysis.js';
import { createPgSchemaMigrator } from './migrations/schema-migrator.js';
import { createMigrationExpandExecutor } from './migrations/expand-executor.js';
import { createMigrationContractExecutor } from './migrations/contract-executor.js';
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
import { createSetFlagExecutor, flagRestorer } from './flags/flag-rollout.js';
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
import { createWaveExecutor } from './waves/wave-executor.js';
import { WebhookDispatcher } from './notifications/webhook-dispatcher.js';
import { createHttpSender } from './notifications/webhook-sender.js';

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

function listenHttp(fetch: (req: Request) => Response | Promise<Response>, host: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info) => resolvePromise({ server, port: info.port }));
    server.once('error', reject);
  });
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
function webhookDispatcher(options: ControlPlaneOptions, store: Awaited<ReturnType<typeof openStore>>, clock: Clock, log: Logger) {
  const webhookPolicy = { allowHosts: options.webhookAllowHosts ?? [] };
  return { webhookPolicy, dispatcher: new WebhookDispatcher({ store, sender: createHttpSender(webhookPolicy), clock, log }) };
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
  const cluster = needsCluster(options) ? await connectCluster(options.kubernetes ?? {}) : undefined;
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const store = await openStore({ databaseUrl: options.databaseUrl, dataDir });
  const metrics = new Registry();
  // Every proxied request lands in 1-second windows (for analysis) and is exported at /metrics.
  const windows = new TrafficWindows({ clock });
  bindTrafficMetrics(metrics, windows);
  const { record, keys } = observationSink(windows);
  const traffic = await startDataPlane({ kind: options.dataPlane ?? 'builtin', workers: options.proxyWorkers ?? 0, stateDir: dataDir, observer: record, log, cluster });
  // Each Target gets a built-in proxy of its own (its own listeners), created here on first use; all feed the same windows.
  const targetRouters = new TargetRouters(() => new BuiltinProxyRouter(new BuiltinProxy({ observer: record })));
  const targets: TargetRouting = { routers: targetRouters, store: store.targets };
  const runtime = await startRuntime({ kind: options.runtime ?? 'process', stateDir: dataDir, cwd: options.cwd ?? process.cwd(), clock, log, traffic, cluster });
  bindControllerMetrics(metrics, store);
  const flags = { hub: new FlagHub(store, { log }), tokens: new FlagTokens(options.flagTokens ?? []), evaluations: new FlagEvaluationCounter() };
  const verification = wireVerification(store, windows, keys, options.cwd ?? process.cwd(), flags.evaluations);
  const { analysis, loads, afterPass, guardian } = verification;
  const migrator = createPgSchemaMigrator();
  const executors = defaultStepExecutors(verification)
    .register(createWaveExecutor(targets))
    .register(createSetFlagExecutor({ store, hub: flags.hub }))
    .register(createMigrationExpandExecutor({ migrator, analysis }))
    .register(createMigrationContractExecutor(migrator));
  const controller = new Controller({ store, traffic, runtime, executors, clock, log, analysis, guardian, afterPass, pollMs: options.pollMs, targets, flags: flagRestorer({ store, hub: flags.hub }), migrator });
  const unsubscribe = runtime.onChange(() => controller.kick());
  // Per-second samples of the services under rollout, for the release center's charts.
  const history = new MetricHistory({ store, windows, clock, log });
  // Route conditions inline flag states: a flag change makes the next pass push the changed tables.
  const unsubscribeFlags = flags.hub.subscribe(() => controller.kick());
  const { webhookPolicy, dispatcher } = webhookDispatcher(options, store, clock, log);
  try {
    await applyAtStart(options.applyFiles ?? [], { store, clock, log, dataPlane: traffic, runtime, webhookPolicy });
    await controller.start();
    history.start();
    await flags.hub.start();
    await dispatcher.start();
  } catch (error) {
    flags.hub.close();
    await Promise.allSettled([dispatcher.stop(), history.stop(), controller.stop(), loads.stopAll(), traffic.close(), targetRouters.close(), runtime.close(), migrator.close(), store.close()]);
    throw error;
  }
  const eventFeed = new EventFeed(store, { log });
  const api = createApi({ store, controller, traffic, runtime, clock, log, metrics, windows, targets: targetRouters, providers: analysis.providers, flags, uiDir: options.uiDir ?? defaultUiDir(), eventFeed, webhooks: { dispatcher, policy: webhookPolicy } });
  const http = await listenHttp(api.fetch, host, port);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${http.port}`;
  log.info('control plane listening', { url, store: store.kind, dataDir });
  const close = shutdown(http.server, [() => eventFeed.close(), () => flags.hub.close(), unsubscribe, unsubscribeFlags, () => dispatcher.stop(), () => controller.stop(), () => history.stop(), () => loads.stopAll(), () => traffic.close(), () => targetRouters.close(), () => runtime.close(), () => migrator.close(), () => store.close()]);
  const restartProxy = async () => {
    if (!traffic.restart) throw new SluiceError(ErrorCode.CONFLICT, 'The built-in proxy runs inside the control plane; start with --proxy-workers N to restart it on its own');
    await traffic.restart();
  };
  return { url, close, restartProxy };
}
