// The control plane under test, run by run.ts in a child process (pinned to one core): the real
// Controller and store, fake data planes, 1,000 services that always have a rollout in progress.
// Prints `READY`, then one `RESULT {json}` line with what only this process can measure (CPU, RSS,
// reconcile passes); step latencies are read from the store's events by the parent afterwards.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Phase, type Rollout } from '@sluice/domain';
import { Controller } from '../../packages/control-plane/src/orchestrator/controller.js';
import { StepExecutorRegistry } from '../../packages/control-plane/src/orchestrator/step-executor.js';
import { pauseExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/pause-executor.js';
import { setWeightExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/set-weight-executor.js';
import { setHeaderRouteExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/set-header-route-executor.js';
import { setSegmentRouteExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/set-segment-route-executor.js';
import { setMirrorExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/set-mirror-executor.js';
import { rollingBatchesExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/rolling-batches-executor.js';
import { pointOfNoReturnExecutor } from '../../packages/control-plane/src/orchestrator/step-executors/point-of-no-return-executor.js';
import type { Logger } from '../../packages/control-plane/src/platform/logger.js';
import { openStore } from '../../packages/control-plane/src/store/open-store.js';
import { fakeDataPlanes } from './fake-data-plane.js';
import { benchSteps, createBenchRollout, seedServices, serviceName } from './fixture.js';
import type { ChildResult, ChildSettings } from './protocol.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as ChildSettings;
// The benchmark's stdin closing means it is gone: do not outlive it.
process.stdin.on('end', () => process.exit(1)).resume();

/** Controller warnings and errors in the measured window (stopping aborts the last pass: not counted). */
const counts = { warnings: 0, errors: 0 };
let measuring = false;
const firstProblems: string[] = [];
const note = (level: string, message: string, fields?: Readonly<Record<string, unknown>>) => {
  if (firstProblems.length < 5) firstProblems.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
};
const log: Logger = {
  info() {},
  warn: (m, f) => {
    if (!measuring) return;
    counts.warnings++;
    note('warn', m, f);
  },
  error: (m, f) => {
    if (!measuring) return;
    counts.errors++;
    note('error', m, f);
  },
};

function executors(): StepExecutorRegistry {
  return new StepExecutorRegistry()
    .register(setWeightExecutor)
    .register(rollingBatchesExecutor)
    .register(pauseExecutor)
    .register(setHeaderRouteExecutor)
    .register(setSegmentRouteExecutor)
    .register(setMirrorExecutor)
    .register(pointOfNoReturnExecutor);
}

/** Busy clock ticks of CPU 0 (the core the child is pinned to), from /proc/stat; undefined off Linux. */
function core0BusyTicks(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu0 '));
    const fields = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    if (fields.length < 5) return undefined;
    return fields.reduce((a, b) => a + b, 0) - (fields[3] ?? 0) - (fields[4] ?? 0);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const store = await openStore({ dataDir: settings.dataDir, databaseUrl: settings.databaseUrl });
  const clock = { now: () => Date.now() };
  await seedServices(store, settings.rollouts, clock.now());
  const planes = fakeDataPlanes(settings.dataPlaneMs);
  const steps = benchSteps(settings.pauseMs);
  /** Rollouts made per service so far (names svc-0001-r1, -r2, …); services whose next rollout is being created. */
  const made = new Array<number>(settings.rollouts).fill(0);
  const creating = new Set<number>();
  let creatingOpen = false;
  const passes: { at: number; ms: number }[] = [];
  let controller: Controller;

  // Like `sluice apply` of a new Rollout: written with its RolloutCreated event, then a kick.
  const next = (i: number): void => {
    if (creating.has(i) || !creatingOpen) return;
    creating.add(i);
    made[i] = (made[i] ?? 0) + 1;
    void (async () => {
      const service = await store.services.get(serviceName(i));
      const target = service?.status.stable === 'v2' ? 'v1' : 'v2';
      await createBenchRollout(store, i, made[i]!, target, steps, clock.now());
      controller.kick();
    })()
      .catch((error: unknown) => log.error('creating a rollout failed', { error: String(error) }))
      .finally(() => creating.delete(i));
  };
  // Each service gets its next rollout as soon as its last one is no longer active.
  const afterPass = (active: readonly Rollout[]): void => {
    if (!creatingOpen) return;
    const busy = new Set(active.map((r) => r.spec.service));
    for (let i = 0; i < settings.rollouts; i++) if ((made[i] ?? 0) > 0 && !busy.has(serviceName(i))) next(i);
  };
  controller = new Controller({ store, traffic: planes.traffic, runtime: planes.runtime, executors: executors(), clock, log, afterPass, pollMs: settings.pollMs, concurrency: settings.concurrency });
  // Pass durations, timed around the controller's own method (its loop calls this.reconcileOnce()).
  const reconcileOnce = controller.reconcileOnce.bind(controller);
  controller.reconcileOnce = async () => {
    const at = performance.now();
    try {
      return await reconcileOnce();
    } finally {
      passes.push({ at: Date.now(), ms: performance.now() - at });
      planes.forgetCalls();
    }
  };
  await controller.start();
  process.stdout.write('READY\n');
  // A line every 10 s, so a slow run shows where it is.
  const heartbeat = setInterval(() => {
    const last = passes.at(-1);
    process.stdout.write(`PROGRESS ${passes.length} passes, last ${last === undefined ? '—' : last.ms.toFixed(0)} ms; ${made.reduce((a, b) => a + b, 0)} rollouts made\n`);
  }, 10_000);
  heartbeat.unref();

  // Ramp: the first rollouts of all services, spread evenly over rampMs.
  creatingOpen = true;
  const rampStart = clock.now();
  for (let i = 0; i < settings.rollouts; i++) {
    const wait = rampStart + (i * settings.rampMs) / settings.rollouts - clock.now();
    if (wait > 0) await sleep(wait);
    next(i);
  }
  await sleep(Math.max(0, rampStart + settings.rampMs + settings.warmupMs - clock.now()));

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const from = clock.now();
  measuring = true;
  const cpu0 = process.cpuUsage();
  const core0Before = core0BusyTicks();
  loopDelay.enable();
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 1000);
  await sleep(settings.steadyMs);
  const to = clock.now();
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const core0After = core0BusyTicks();
  loopDelay.disable();
  clearInterval(rssTimer);
  const rssEnd = process.memoryUsage().rss;
  creatingOpen = false;
  await controller.stop();
  const stoppedAt = clock.now();
  const inWindow = passes.filter((p) => p.at >= from && p.at < to).map((p) => p.ms);
  const active = await store.rollouts.list({ activeOnly: true });
  const result: ChildResult = {
    from, to, stoppedAt,
    cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000,
    rssMaxMb: Math.max(rssMax, rssEnd) / 2 ** 20, rssEndMb: rssEnd / 2 ** 20,
    passMs: inWindow,
    eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    rolloutsCreated: made.reduce((a, b) => a + b, 0),
    activeAtEnd: active.length,
    pausedAtEnd: active.filter((r) => r.status.phase === Phase.Paused).length,
    // USER_HZ is 100 on Linux: a tick is 10 ms.
    core0BusyMs: core0Before === undefined || core0After === undefined ? undefined : (core0After - core0Before) * 10,
    warnings: counts.warnings, errors: counts.errors, problems: firstProblems,
  };
  await store.close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`control-plane child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
