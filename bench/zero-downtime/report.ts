// What `npm run bench:zero-downtime` prints and writes: the per-phase table, the failures and slowest
// requests by phase, the checks of the run, and flat JSON for bench/results/zero-downtime.json.
import { failureLines } from '../../packages/control-plane/src/e2e/zero-downtime/testing/checks.js';
import type { LoadReport } from '../../packages/control-plane/src/e2e/zero-downtime/testing/load-mix.js';
import { formatTable } from '../../packages/control-plane/src/e2e/zero-downtime/testing/phase-stats.js';
import type { ScenarioNotes } from '../../packages/control-plane/src/e2e/zero-downtime/testing/scenario.js';

export interface RunFacts {
  readonly abrupt: boolean;
  readonly quick: boolean;
  readonly rps: number;
  readonly replicas: number;
  readonly dwellSeconds: number;
  /** The benchmark process's CPU (load driver and scenario), % of one core over the traffic. */
  readonly driverCpuPct: number;
  /** Whole-machine busy share over the traffic, % of all cores; and the share of processes not of this run. */
  readonly machineBusyPct: number;
  readonly othersPct: number;
  readonly cores: number;
  readonly totalSeconds: number;
  readonly problems: readonly string[];
  /** Connections the kernel dropped from full accept queues during the traffic (machine-wide), by phase. */
  readonly listenOverflows: number | undefined;
  readonly listenOverflowsByPhase: Readonly<Record<string, number>>;
}

export function printReport(report: LoadReport, notes: ScenarioNotes, facts: RunFacts): void {
  console.log(`\n${formatTable(report.phases)}\n`);
  const t = report.total;
  console.log(`Requests: ${t.requests.toLocaleString('en-US')}; failed ${t.failed}, resets ${t.resets}, timeouts ${t.timeouts}; WebSocket ${t.ws.echoed}/${t.ws.sent} messages echoed, ${t.ws.lost} lost.`);
  console.log(`Rate: offered ${report.offeredRps} requests/s, achieved ${report.achievedRps.toFixed(0)} requests/s over ${report.seconds.toFixed(1)} s of traffic.`);
  console.log(`CPU: the benchmark process (load driver) ${facts.driverCpuPct.toFixed(0)} % of one core; the machine ${facts.machineBusyPct.toFixed(0)} % busy (${facts.cores} cores), ${facts.othersPct.toFixed(0)} % by processes not of this run; driver event-loop delay p99 ${report.eventLoopP99Ms.toFixed(1)} ms.`);
  if (report.achievedRps < report.offeredRps * 0.97) {
    console.log(`NOTE: this machine did not sustain ${report.offeredRps} requests/s with the load driver in one process: ${report.achievedRps.toFixed(0)} achieved.`);
  }
  if ((facts.listenOverflows ?? 0) > 0) {
    const where = Object.entries(facts.listenOverflowsByPhase).map(([p, n]) => `${p} ${n}`).join(', ');
    console.log(`OVERLOAD: the kernel dropped ${facts.listenOverflows} connections from full accept queues (machine-wide: ${where}). New-connection timeouts and resets then come from the machine, not from a release: compare with the baseline phase, or lower --rps.`);
  }
  if (report.eventLoopP99Ms > 50) console.log('NOTE: the load driver\'s event loop lagged (p99 > 50 ms): its pacing and latencies are distorted.');
  console.log(`WebSocket: ${report.ws.opened === 1 ? 'one connection for the whole run' : `${report.ws.opened} connections`}, on ${report.ws.servedBy.join(' then ')}`);
  for (const e of report.ws.events) console.log(`  ${e.phase} t=${e.at.toFixed(1)}s: ${e.what}`);
  console.log(`Blue-green: ${notes.blueGreen}`);
  console.log(`Rolling update: ${notes.rollingUpdate}`);
  const actions = Object.entries(notes.actionSeconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`);
  console.log(`Time from each phase's first action to its end condition: ${actions.join(', ')}`);
  const failures = failureLines(report.phases);
  if (failures.length > 0) console.log(`\nFAILURES by phase (the phase current when the request started):\n${failures.map((l) => `  ${l}`).join('\n')}`);
  console.log('\nSlowest short requests (keep-alive and new-connection GET /) by phase:');
  for (const p of report.phases) console.log(`  ${p.name}: ${p.slowest.slice(0, 3).join('; ')}`);
  console.log(facts.problems.length === 0 ? '\nChecks: every phase carried every kind of traffic, answered by the versions it should; every instance replaced; the WebSocket stayed open.' : `\nCHECKS FAILED:\n${facts.problems.map((p) => `  ${p}`).join('\n')}`);
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export function flatJson(report: LoadReport, notes: ScenarioNotes, facts: RunFacts): Record<string, unknown> {
  const t = report.total;
  const json: Record<string, unknown> = {
    requests: t.requests, failed: t.failed, resets: t.resets, timeouts: t.timeouts, ok: t.ok, notSent: t.notSent,
    offeredRps: report.offeredRps, achievedRps: Math.round(report.achievedRps), durationSeconds: Number(report.seconds.toFixed(1)),
    totalSeconds: Number(facts.totalSeconds.toFixed(1)), p99Ms: Number(t.p99Ms.toFixed(1)),
    keepAliveRequests: t.byKind.keepAlive, newConnectionRequests: t.byKind.newConnection, uploadRequests: t.byKind.upload, downloadRequests: t.byKind.download,
    wsMessages: t.ws.sent, wsEchoed: t.ws.echoed, wsLost: t.ws.lost, wsConnections: report.ws.opened, wsStayedOpen: report.ws.firstStillOpen,
  };
  for (const p of report.phases) {
    const k = capitalized(p.name);
    Object.assign(json, {
      [`requests${k}`]: p.requests, [`failed${k}`]: p.failed, [`resets${k}`]: p.resets, [`timeouts${k}`]: p.timeouts,
      [`p99Ms${k}`]: Number(p.p99Ms.toFixed(1)), [`seconds${k}`]: Number(p.seconds.toFixed(1)),
      [`listenOverflows${k}`]: facts.listenOverflows === undefined ? null : (facts.listenOverflowsByPhase[p.name] ?? 0),
    });
  }
  for (const [name, seconds] of Object.entries(notes.actionSeconds)) json[`actionSeconds${capitalized(name)}`] = Number(seconds.toFixed(1));
  return {
    ...json, blueGreen: notes.blueGreen, rollingUpdate: notes.rollingUpdate, checksPassed: facts.problems.length === 0, problems: facts.problems.join(' | '),
    abrupt: facts.abrupt, quick: facts.quick, replicas: facts.replicas, dwellSeconds: facts.dwellSeconds, driverCpuPct: Math.round(facts.driverCpuPct),
    machineBusyPct: Math.round(facts.machineBusyPct), othersPct: Math.round(facts.othersPct), listenOverflows: facts.listenOverflows ?? null, eventLoopP99Ms: Number(report.eventLoopP99Ms.toFixed(1)), measuredAt: new Date().toISOString(),
  };
}
