// `npm run bench:control-plane [-- --quick]`: 1,000 concurrent rollouts driven by the real
// Controller and store, with fake data planes, in a child process pinned to one core. Step latency
// (start − due) is read from the events the store recorded; CPU, RSS and reconcile passes come from
// the child. Prints a table and the target ratio (p99 ÷ 1 s), writes bench/results/control-plane.json.
// See bench/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventType } from '@sluice/domain';
import { openStore } from '../../packages/control-plane/src/store/open-store.js';
import { createTestDatabase } from '../../packages/control-plane/src/store/testing/postgres-test-db.js';
import { killChildren, pinning, runChild } from './child-process.js';
import { StepLatencyFold, summarize } from './measure.js';
import type { ChildSettings } from './protocol.js';
import { flatJson, printTable, TARGET_STEP_P99_MS, type ConfigResult } from './report.js';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'control-plane.json');

interface Options {
  readonly quick: boolean;
  readonly stores: readonly ('sqlite' | 'postgres')[];
  readonly rollouts: number;
  readonly pauseMs: number;
  readonly steadySec: number;
  readonly dataPlaneMs: number;
  readonly cpuProf: boolean;
  readonly concurrency: number | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const number = (flag: string, fallback: number): number => {
    const raw = value(flag);
    const n = raw === undefined ? Number.NaN : Number(raw);
    if (raw !== undefined && !(Number.isFinite(n) && n >= 0)) throw new Error(`${flag} expects a number ≥ 0, got "${raw}"`);
    return raw === undefined ? fallback : n;
  };
  const store = value('--store') ?? (quick ? 'sqlite' : 'both');
  if (!['sqlite', 'postgres', 'both'].includes(store)) throw new Error(`--store expects sqlite, postgres or both, got "${store}"`);
  return {
    quick,
    stores: store === 'both' ? ['sqlite', 'postgres'] : [store as 'sqlite' | 'postgres'],
    rollouts: Math.max(1, Math.trunc(number('--rollouts', 1000))),
    pauseMs: number('--pause-ms', 10_000),
    steadySec: number('--steady', quick ? 45 : 180),
    dataPlaneMs: number('--data-plane-ms', 0),
    cpuProf: argv.includes('--cpu-prof'),
    concurrency: value('--concurrency') === undefined ? undefined : Math.max(1, Math.trunc(number('--concurrency', 16))),
  };
}

const STEP_EVENTS = [EventType.RolloutCreated, EventType.WeightChanged, EventType.PhaseChanged, EventType.StepCompleted];

/** Step samples from every step event in the store, read in pages. */
async function readSteps(settings: ChildSettings): Promise<StepLatencyFold> {
  const store = await openStore({ dataDir: settings.dataDir, databaseUrl: settings.databaseUrl });
  const fold = new StepLatencyFold();
  try {
    for (let afterSeq = 0; ; ) {
      const page = await store.events.list({ afterSeq, types: STEP_EVENTS, limit: 10_000 });
      for (const event of page) fold.add(event);
      if (page.length < 10_000) break;
      afterSeq = page.at(-1)!.seq;
    }
  } finally {
    await store.close();
  }
  return fold;
}

async function runConfig(kind: 'sqlite' | 'postgres', options: Options, pinned: boolean, scratch: string): Promise<ConfigResult | undefined> {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  if (kind === 'postgres') {
    database = await createTestDatabase();
    if (database === undefined) return undefined;
  }
  const dataDir = join(scratch, kind);
  const settings: ChildSettings = {
    dataDir,
    databaseUrl: database?.url,
    rollouts: options.rollouts,
    pauseMs: options.pauseMs,
    rampMs: options.quick ? 10_000 : 20_000,
    warmupMs: options.quick ? 5_000 : 10_000,
    steadyMs: options.steadySec * 1000,
    dataPlaneMs: options.dataPlaneMs,
    pollMs: 1000,
    concurrency: options.concurrency,
  };
  try {
    const started = Date.now();
    const profDir = options.cpuProf ? join(dirname(resultsFile), `control-plane-${kind}-prof`) : undefined;
    if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
    const { result } = await runChild(settings, {
      pinned,
      cpuProfDir: profDir,
      onReady: () => console.log(`  ${kind}: seeded ${options.rollouts} services in ${((Date.now() - started) / 1000).toFixed(1)} s; ramp ${settings.rampMs / 1000} s, warm-up ${settings.warmupMs / 1000} s, measuring ${options.steadySec} s…`),
    });
    const fold = await readSteps(settings);
    const samples = [...fold.samples, ...fold.pending()];
    const steps = summarize(samples, result.from, result.to);
    const afterPause = summarize(samples.filter((s) => s.afterPause), result.from, result.to);
    const startedInWindow = fold.samples.filter((s) => s.started !== undefined && s.started >= result.from && s.started < result.to).length;
    if (profDir !== undefined) console.log(`  ${kind}: CPU profile in ${profDir}`);
    return { store: kind, rollouts: options.rollouts, steps, afterPause, child: result, stepsPerSecond: startedInWindow / ((result.to - result.from) / 1000) };
  } finally {
    await database?.drop();
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const pin = pinning();
  const scratch = mkdtempSync(join(tmpdir(), 'sluice-bench-control-plane-'));
  const cleanup = () => {
    killChildren();
    rmSync(scratch, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(`\nControl-plane benchmark — ${options.quick ? 'quick' : 'full'}: ${options.rollouts} services, each always with a rollout in progress (setWeight 10 → pause ${options.pauseMs / 1000} s → setWeight 50 → pause ${options.pauseMs / 1000} s → setWeight 100, promote, next rollout)`);
    console.log(`  the real Controller and store in a child process ${pin === undefined ? 'NOT pinned (taskset not available: it may use every core)' : `pinned to one core (${pin})`}; fake data planes: in-memory router and runtime${options.dataPlaneMs > 0 ? `, every router call answered ${options.dataPlaneMs} ms late` : ''}`);
    console.log(`  stores: ${options.stores.join(', ')} (PostgreSQL at 127.0.0.1:5432 in a throwaway database, the server not pinned); real clock\n`);
    const results: ConfigResult[] = [];
    for (const kind of options.stores) {
      const result = await runConfig(kind, options, pin !== undefined, scratch);
      if (result !== undefined) results.push(result);
    }
    if (results.length === 0) throw new Error('no configuration ran');
    console.log('');
    printTable(results);
    const json = flatJson(results, {
      quick: options.quick, pauseMs: options.pauseMs, steadySeconds: options.steadySec, dataPlaneMs: options.dataPlaneMs,
      pinning: pin ?? 'none', targetStepP99Ms: TARGET_STEP_P99_MS, measuredAt: new Date().toISOString(),
    });
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nWrote ${resultsFile}`);
    return 0;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
