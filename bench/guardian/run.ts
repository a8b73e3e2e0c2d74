// `npm run bench:guardian [-- --quick]`: the release guardian with real traffic through the built-in
// proxy. Each run rolls a canary out to 10 % (500 requests/s in all, 50 to the canary), turns the
// canary bad at a known moment and measures how long it keeps serving and what it served; healthy runs
// count false rollbacks. Prints a table and issue 5's targets and writes bench/results/guardian.json.
// See bench/guardian/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { modeByName } from './measure.js';
import type { Mode, ModeName, RunResult } from './measure.js';
import { flatJson, legend, runLine, summarize, table, targets } from './report.js';
import type { Facts } from './report.js';
import { runOne } from './run-one.js';
import type { RunSettings } from './run-one.js';
import { apply, ApiError, RolloutBoard, startSluice } from './sluice.js';
import type { SluiceServer } from './sluice.js';
import { CANARY_WEIGHT, LATENCY_GUARD, rolloutYaml, serviceYaml } from './specs.js';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'guardian.json');
const TOTAL_RPS = 500;
const PRE_ONSET_MS = 5_000;
/** Every run's rollout status comes from one GET /rollouts this often. */
const POLL_MS = 200;
/** The first runs start this far apart: ten applies at once stall the control plane (and its proxy) for seconds. */
const STAGGER_MS = 1_000;

interface Options {
  readonly quick: boolean;
  readonly runs: Readonly<Record<ModeName, number>>;
  /** Seconds after onset a bad run waits for the rollback; healthy: seconds each run lasts. */
  readonly caps: Readonly<Record<ModeName, number>>;
  readonly concurrency: number;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    const n = i === -1 ? Number.NaN : Number(argv[i + 1]);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const bad = value('--runs');
  const i = argv.indexOf('--modes');
  const only = i === -1 ? undefined : new Set((argv[i + 1] ?? '').split(','));
  const n = (mode: ModeName, count: number): number => (only === undefined || only.has(mode) ? count : 0);
  return {
    quick,
    runs: {
      x10: n('x10', bad ?? (quick ? 5 : 20)),
      plus1pp: n('plus1pp', bad ?? (quick ? 5 : 10)),
      latency20: n('latency20', bad ?? (quick ? 5 : 10)),
      healthy: n('healthy', value('--healthy-runs') ?? (quick ? 10 : 50)),
    },
    caps: {
      x10: value('--cap') ?? (quick ? 20 : 60),
      plus1pp: value('--cap') ?? (quick ? 45 : 120),
      latency20: value('--cap') ?? (quick ? 45 : 120),
      healthy: value('--healthy-seconds') ?? 20,
    },
    concurrency: Math.max(1, value('--concurrency') ?? 4),
  };
}

/** Round-robin over the modes, so every batch of concurrent runs mixes them. */
function schedule(options: Options): { mode: Mode; index: number }[] {
  const order: ModeName[] = ['plus1pp', 'latency20', 'x10', 'healthy'];
  const tasks: { mode: Mode; index: number }[] = [];
  const most = Math.max(...order.map((m) => options.runs[m]));
  for (let i = 1; i <= most; i++) for (const m of order) if (i <= options.runs[m]) tasks.push({ mode: modeByName(m), index: i });
  return tasks;
}

/** Runs `work` on every item, `concurrency` at a time; worker k starts k × STAGGER_MS late. */
async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (k: number): Promise<void> => {
    for (const until = Date.now() + k * STAGGER_MS; Date.now() < until && !interrupted; ) await new Promise((r) => setTimeout(r, 100));
    while (next < items.length && !interrupted) {
      const item = items[next++]!;
      results.push(await work(item));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, (_, k) => worker(k)));
  return results;
}

/** Whether this build accepts a Rollout's `spec.guard` (a dry-run apply); any other rejection is a bug here. */
async function probeGuardSpec(api: string): Promise<boolean> {
  const yaml = `${serviceYaml('g-probe', 'http://127.0.0.1:9', 'http://127.0.0.1:9')}---\n${rolloutYaml('g-probe-v2', 'g-probe', LATENCY_GUARD)}`;
  try {
    await apply(api, yaml, true);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && error.problemText().includes('guard')) return false;
    throw error;
  }
}

let interrupted = false;
let serverDied = false;
let stoppingServer = false;
let server: SluiceServer | undefined;
let scratchDir: string | undefined;

function printHeader(options: Options, guardSpecAccepted: boolean): void {
  const caps = options.caps;
  const runs = (['x10', 'plus1pp', 'latency20'] as const).filter((m) => options.runs[m] > 0).map((m) => `${m} ${options.runs[m]} (cap ${caps[m]} s)`);
  if (options.runs.healthy > 0) runs.push(`healthy ${options.runs.healthy} × ${caps.healthy} s`);
  console.log(`\nRelease guardian benchmark — ${options.quick ? 'quick' : 'full'}: ${TOTAL_RPS} requests/s through the built-in proxy per run, canary at ${CANARY_WEIGHT} % (${(TOTAL_RPS * CANARY_WEIGHT) / 100} rps), open loop, keep-alive, random x-user-id of 100,000`);
  console.log(`  upstreams: in-process node:http; stable 0.5 % 5xx, latency lognormal (median 20 ms, σ 0.5); onset ${PRE_ONSET_MS / 1000} s after the canary's first request`);
  console.log(`  runs: ${runs.join(', ')}; ${options.concurrency} at a time (the first ${STAGGER_MS / 1000} s apart), each on its own service and port`);
  console.log(`  guard: default for x10, plus1pp and healthy; latency20 ${guardSpecAccepted ? 'adds spec.guard with a latency (p99) condition' : 'NOT given its latency condition: this build rejects spec.guard, so it runs with the default guard (errors only) and is not expected to roll back'}`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  scratchDir = mkdtempSync(join(tmpdir(), 'sluice-bench-guardian-'));
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  try {
    server = await startSluice(join(scratchDir, 'data'));
    const running = server;
    running.child.once('exit', (code, signal) => {
      if (interrupted || stoppingServer) return;
      serverDied = true;
      interrupted = true;
      console.log(`\nThe sluice server exited during the runs (${code ?? signal}); its last output:\n${running.output()}`);
    });
    const guardSpecAccepted = await probeGuardSpec(server.url);
    printHeader(options, guardSpecAccepted);
    console.log(`  sluice server: ${server.url} (pid ${server.child.pid})\n`);
    const board = new RolloutBoard(server.url, POLL_MS);
    const settings = (mode: Mode): RunSettings => ({
      api: server!.url, rps: TOTAL_RPS, preOnsetMs: PRE_ONSET_MS, capMs: options.caps[mode.name] * 1000, guardSpecAccepted, board, interrupted: () => interrupted,
    });
    const results: RunResult[] = await pool(schedule(options), options.concurrency, async ({ mode, index }) => {
      const result = await runOne(mode, index, settings(mode));
      if (!interrupted) console.log(runLine(result));
      return result;
    });
    if (serverDied) return 1;
    if (interrupted) return 130;
    loopDelay.disable();
    const facts: Facts = {
      quick: options.quick, totalRps: TOTAL_RPS, canaryWeight: CANARY_WEIGHT, preOnsetSeconds: PRE_ONSET_MS / 1000,
      healthySeconds: options.caps.healthy, concurrency: options.concurrency, pollMs: POLL_MS, guardSpecAccepted,
      eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6, durationSeconds: (Date.now() - started) / 1000,
      polls: { count: board.polls.count, meanMs: board.polls.count === 0 ? 0 : board.polls.totalMs / board.polls.count, maxMs: board.polls.maxMs },
    };
    report(results, facts);
    return 0;
  } finally {
    stoppingServer = true;
    await server?.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

function report(results: readonly RunResult[], facts: Facts): void {
  const rows = summarize(results);
  console.log(`\n${table(rows)}\n\n${legend(facts)}`);
  if (!results.some((r) => r.guardSeen)) {
    console.log('\nNOTE: no rollout status ever had a `guard` field: this build does not seem to run the release guardian yet.');
  }
  if (facts.eventLoopDelayP99Ms > 50) {
    console.log(`WARNING: the benchmark's own event loop lagged (p99 ${facts.eventLoopDelayP99Ms.toFixed(0)} ms): pacing and upstream latency are distorted; try --concurrency ${Math.max(1, Math.floor(facts.concurrency / 2))}.`);
  }
  console.log(`\nStatus: one GET /api/v1/rollouts every ${POLL_MS} ms for all runs: ${facts.polls.count} polls, ${facts.polls.meanMs.toFixed(1)} ms mean, ${facts.polls.maxMs.toFixed(0)} ms longest; benchmark event loop delay p99 ${facts.eventLoopDelayP99Ms.toFixed(1)} ms.`);
  const notMeasured = results.filter((r) => r.error !== undefined).length;
  if (notMeasured > 0) console.log(`WARNING: ${notMeasured} run(s) could not be measured (see NOT MEASURED above).`);
  console.log(`\n${targets(rows, results, facts)}`);
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(flatJson(rows, results, facts), null, 2)}\n`);
  console.log(`\nWrote ${resultsFile} (${facts.durationSeconds.toFixed(0)} s)`);
}

const onSignal = (signal: NodeJS.Signals): void => {
  if (interrupted) return;
  interrupted = true;
  console.log(`\n${signal}: stopping the runs, the upstreams and the sluice server…`);
  // Runs notice within 100 ms and clean up; main's finally stops the server. Last resort after 20 s.
  setTimeout(() => process.exit(130), 20_000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => {
  if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  if (scratchDir !== undefined) rmSync(scratchDir, { recursive: true, force: true });
});

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`\nBenchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
