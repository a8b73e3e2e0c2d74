// `npm run bench:zero-downtime [-- --quick]`: issue 6's zero-downtime proof at full size. About 2,000
// requests/s of mixed traffic (keep-alive, new connections, slow uploads, long downloads, one
// WebSocket) through the built-in proxy of the BUILT `sluice server` while a canary ramps 1 → 100 %,
// the promotion completes, a rolling update replaces every instance, a blue-green switch happens and
// a rollback (abort, then undo) happens. Prints the per-phase counts and writes
// bench/results/zero-downtime.json. It never fails on a target: it reports. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, tempDir } from '../../packages/control-plane/src/e2e/testing/sluice-process.js';
import type { ServerProcess } from '../../packages/control-plane/src/e2e/testing/sluice-process.js';
import { checkRun } from '../../packages/control-plane/src/e2e/zero-downtime/testing/checks.js';
import { LoadMix } from '../../packages/control-plane/src/e2e/zero-downtime/testing/load-mix.js';
import type { LoadReport } from '../../packages/control-plane/src/e2e/zero-downtime/testing/load-mix.js';
import { Scenario } from '../../packages/control-plane/src/e2e/zero-downtime/testing/scenario.js';
import { flatJson, printReport } from './report.js';
import { cpuSample, machineShares, OverflowWatch } from './machine-watch.js';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'zero-downtime.json');

interface Options {
  readonly quick: boolean;
  readonly rps: number;
  readonly dwellMs: number;
  readonly pauseMs: number;
  readonly replicas: number;
  /** The app exits at SIGTERM without draining: only Sluice's drain-before-SIGTERM protects requests. */
  readonly abrupt: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    const n = i === -1 ? Number.NaN : Number(argv[i + 1]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  return {
    quick,
    rps: value('--rps') ?? 2_000,
    // Full: about 105 s of traffic (≥ 200,000 requests at 2,000/s); quick: about 45 s.
    dwellMs: (value('--dwell') ?? (quick ? 4 : 12)) * 1000,
    pauseMs: (value('--pause') ?? (quick ? 1 : 3)) * 1000,
    replicas: Math.floor(value('--replicas') ?? 2),
    abrupt: argv.includes('--abrupt'),
  };
}

let server: ServerProcess | undefined;
let interrupted = false;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const dir = await tempDir('sluice-bench-zero-downtime-');
  try {
    server = await startServer(join(dir.path, 'data'), { env: { SLUICE_PROXY_WORKERS: '' } });
    console.log(`\nZero-downtime benchmark — ${options.quick ? 'quick' : 'full'}: ${options.rps} requests/s offered, open loop, through the built-in proxy of the built sluice server (${server.url})`);
    console.log(`  mix: 80 % keep-alive GET, 14 % GET on a new connection, 3 % uploads (32 KiB in 8 chunks over 1.5 s, half chunked), 3 % downloads (64 KiB in 10 chunks over 1.5 s), plus one WebSocket (a message every 100 ms)`);
    console.log(`  service zd: versions run as local processes (${options.replicas} replicas each); each phase keeps the load ${options.dwellMs / 1000} s after its end condition`);
    if (options.abrupt) console.log('  --abrupt: the app exits the moment it gets SIGTERM (no graceful shutdown of its own): only Sluice draining each instance before SIGTERM keeps requests from failing');
    const scenario = new Scenario({
      api: server.url, specDir: dir.path, replicas: options.replicas, pauseMs: options.pauseMs, dwellMs: options.dwellMs, baselineMs: 4_000, abrupt: options.abrupt, log: (l) => console.log(l),
    });
    const address = await scenario.prepare();
    console.log(`  proxy of zd: ${address}\n`);
    const i = address.lastIndexOf(':');
    const load = new LoadMix({ host: address.slice(0, i), port: Number(address.slice(i + 1)), rps: options.rps });
    const [cpu0, machine0] = [process.cpuUsage(), cpuSample()];
    const overflows = new OverflowWatch(() => load.stats.current);
    await load.start();
    let report: LoadReport;
    let error: unknown;
    try {
      await scenario.run(load);
    } catch (e) {
      error = e;
    } finally {
      report = await load.stop();
    }
    const listenOverflows = overflows.stop(load.stats.current);
    if (interrupted) return 130;
    const cpu = process.cpuUsage(cpu0);
    const shares = machineShares(machine0, cpuSample());
    const problems = [...(error === undefined ? [] : [`the scenario stopped: ${error instanceof Error ? error.message : String(error)}`]), ...checkRun(report, options.replicas)];
    const facts = {
      abrupt: options.abrupt, quick: options.quick, rps: options.rps, replicas: options.replicas, dwellSeconds: options.dwellMs / 1000, cores: cpus().length,
      driverCpuPct: ((cpu.user + cpu.system) / 1e6 / report.seconds) * 100, machineBusyPct: shares?.busyPct ?? Number.NaN, othersPct: shares?.othersPct ?? Number.NaN, totalSeconds: (performance.now() - started) / 1000, problems,
      listenOverflows, listenOverflowsByPhase: Object.fromEntries(overflows.byPhase),
    };
    printReport(report, scenario.notes, facts);
    const file = options.abrupt ? resultsFile.replace('.json', '-abrupt.json') : resultsFile;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(flatJson(report, scenario.notes, facts), null, 2)}\n`);
    console.log(`\nWrote ${file} (${facts.totalSeconds.toFixed(0)} s)`);
    return 0;
  } finally {
    await server?.stop();
    await dir.remove();
  }
}

const onSignal = (signal: NodeJS.Signals): void => {
  if (interrupted) return;
  interrupted = true;
  console.log(`\n${signal}: stopping the sluice server and its processes…`);
  void server?.stop().then(() => process.exit(130));
  setTimeout(() => process.exit(130), 20_000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => {
  if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\nBenchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
