// What must hold of a zero-downtime run besides 0 failed, 0 reset and 0 timed-out requests: every phase
// carried every kind of traffic, the versions that should answer in each phase did (so a phase that
// silently did nothing is caught), every instance was replaced by the rolling update, and the
// WebSocket stayed open and echoed every message.
import type { LoadReport } from './load-mix.js';
import { KINDS } from './phase-stats.js';
import type { PhaseSummary } from './phase-stats.js';
import { PHASES } from './scenario.js';
import type { PhaseName } from './scenario.js';

/** "VERSION/GEN" that must answer during the phase, and the only ones that may answer once it settled. */
interface Expectation {
  readonly during: readonly string[];
  readonly settled: readonly string[];
}

export const EXPECTED: Readonly<Record<PhaseName, Expectation>> = {
  canaryRamp: { during: ['v1/1', 'v2/1'], settled: ['v2/1'] },
  promotion: { during: ['v2/1'], settled: ['v2/1'] },
  rollingUpdate: { during: ['v2/1', 'v2/2'], settled: ['v2/2'] },
  blueGreen: { during: ['v2/2', 'v3/1'], settled: ['v3/1'] },
  rollback: { during: ['v1/1', 'v3/1'], settled: ['v3/1'] },
  undo: { during: ['v3/1', 'v2/2'], settled: ['v2/2'] },
};

/** Requests that were not ok, by phase: "rollingUpdate: 2 failed, 1 reset — t=… upload reset: ECONNRESET". */
export function failureLines(phases: readonly PhaseSummary[]): string[] {
  return phases
    .filter((p) => p.failed + p.resets + p.timeouts > 0)
    .map((p) => `${p.name}: ${p.failed} failed, ${p.resets} reset, ${p.timeouts} timed out — ${p.failures.slice(0, 5).join('; ')}`);
}

/** Everything wrong with the run other than failed requests; empty when it proved what it should. */
export function checkRun(report: LoadReport, replicas: number): string[] {
  const problems: string[] = [];
  const byName = new Map(report.phases.map((p) => [p.name, p]));
  for (const name of PHASES) {
    const phase = byName.get(name);
    if (phase === undefined) {
      problems.push(`phase ${name} never started`);
      continue;
    }
    problems.push(...checkPhase(phase, EXPECTED[name]));
  }
  problems.push(...checkReplaced(byName.get('promotion'), byName.get('rollingUpdate'), replicas));
  if (report.total.notSent > 0) problems.push(`${report.total.notSent} requests were not sent (too many in flight): the load stalled`);
  if (!report.ws.firstStillOpen) problems.push(`the WebSocket did not stay open: ${report.ws.events.map((e) => `${e.phase} t=${e.at.toFixed(1)}s ${e.what}`).join('; ')}`);
  if (report.total.ws.lost > 0) problems.push(`${report.total.ws.lost} WebSocket messages were never echoed`);
  return problems;
}

function checkPhase(phase: PhaseSummary, expected: Expectation): string[] {
  const problems: string[] = [];
  const missingKinds = KINDS.filter((k) => phase.byKind[k] === 0);
  if (missingKinds.length > 0) problems.push(`${phase.name}: no ${missingKinds.join(', ')} requests`);
  if (phase.ws.sent === 0) problems.push(`${phase.name}: no WebSocket message`);
  for (const version of expected.during) {
    if ((phase.versions[version] ?? 0) === 0) problems.push(`${phase.name}: ${version} never answered (answers: ${JSON.stringify(phase.versions)})`);
  }
  const settled = Object.keys(phase.settledVersions).sort();
  if (settled.join() !== [...expected.settled].sort().join()) {
    problems.push(`${phase.name}: after its end condition expected only ${expected.settled.join(', ')} to answer, got ${JSON.stringify(phase.settledVersions)}`);
  }
  return problems;
}

/** After the rolling update, `replicas` instances answer and none of them answered before it. */
function checkReplaced(before: PhaseSummary | undefined, during: PhaseSummary | undefined, replicas: number): string[] {
  if (before === undefined || during === undefined) return [];
  const old = new Set(Object.keys(before.settledApps).map(instanceOf));
  const fresh = new Set(Object.keys(during.settledApps).map(instanceOf));
  const problems: string[] = [];
  if (old.size !== replicas) problems.push(`before the rolling update ${old.size} instances answered, expected ${replicas}: ${[...old].join(', ')}`);
  if (fresh.size !== replicas) problems.push(`after the rolling update ${fresh.size} instances answered, expected ${replicas}: ${[...fresh].join(', ')}`);
  const kept = [...fresh].filter((i) => old.has(i));
  if (kept.length > 0) problems.push(`the rolling update did not replace ${kept.join(', ')}`);
  return problems;
}

function instanceOf(app: string): string {
  return app.split('/')[2] ?? app;
}
