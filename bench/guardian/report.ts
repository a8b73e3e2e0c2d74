// The guardian benchmark's table, targets and flat JSON.
import { MODES, round, summarizeMode } from './measure.js';
import type { ModeRow, RunResult } from './measure.js';

/** Issue 5's targets. */
export const TARGET_SECONDS_X10 = 5;
export const TARGET_TRAFFIC_MINUTES_X10 = 0.01;

export interface Facts {
  readonly quick: boolean;
  readonly totalRps: number;
  readonly canaryWeight: number;
  readonly preOnsetSeconds: number;
  readonly healthySeconds: number;
  readonly concurrency: number;
  /** How often the rollout statuses are polled. */
  readonly pollMs: number;
  readonly guardSpecAccepted: boolean;
  readonly eventLoopDelayP99Ms: number;
  readonly durationSeconds: number;
  /** The shared status poller: polls answered, mean and longest answer time. */
  readonly polls: { readonly count: number; readonly meanMs: number; readonly maxMs: number };
}

const fmt = (value: number | null, digits: number, never = 'never'): string => (value === null ? never : value.toFixed(digits));

/** One line about a finished run, printed as it ends. */
export function runLine(r: RunResult): string {
  const head = `  ${r.mode.padEnd(9)} #${String(r.index).padEnd(3)}`;
  if (r.error !== undefined) return `${head} NOT MEASURED: ${r.error}`;
  const why = r.breachReasons.join('; ');
  const rule = r.breaches.length > 0 ? `; breached: ${r.breaches.join(', ')} (${why.length > 160 ? `${why.slice(0, 157)}…` : why})` : '';
  const counts = `${r.canaryRequests} canary requests (${r.canaryFailed} failed), ${r.trafficMinutes.toFixed(4)} traffic-min, ${r.achievedRps.toFixed(0)} rps sent${r.proxyErrors > 0 ? `, ${r.proxyErrors} not answered by an upstream (${Object.entries(r.proxyErrorKinds).map(([k, n]) => `${k} ×${n}`).join(', ')})` : ''}`;
  if (r.mode === 'healthy') {
    const verdict = r.rolledBack ? `FALSE ROLLBACK (phase ${r.finalPhase}${r.secondsToStable === null ? '' : `, on stable ${r.secondsToStable.toFixed(1)} s after exposure`})` : `no rollback in ${r.capSeconds} s (phase ${r.finalPhase})`;
    return `${head} ${verdict}${rule}; ${counts}`;
  }
  const failed = r.secondsToFailed === null ? `rollout ${r.finalPhase}` : `Failed seen at ${r.secondsToFailed.toFixed(1)} s`;
  const verdict = r.secondsToStable === null ? `never rolled back within ${r.capSeconds} s (rollout ${r.finalPhase})` : `back on stable ${r.secondsToStable.toFixed(2)} s after onset (${failed})`;
  return `${head} ${verdict}${rule}; after onset: ${counts}`;
}

export function summarize(results: readonly RunResult[]): ModeRow[] {
  return MODES.map((mode) => summarizeMode(mode, results)).filter((row) => row.runs > 0);
}

export function table(rows: readonly ModeRow[]): string {
  const header = ['mode', 'runs', 'rolled back', 'median s to stable', 'max s', 'median s to Failed', 'canary req', 'failed req', 'traffic-min', 'max traffic-min', 'conditions breached'];
  const body = rows.map((r) => {
    const never = `never (${r.capSeconds} s)`;
    const notMeasured = r.runs - r.measured;
    return [
      r.mode.name,
      `${r.measured}${notMeasured > 0 ? ` (+${notMeasured} ✗)` : ''}`,
      `${r.rolledBack}`,
      r.mode.name === 'healthy' && r.stopped === 0 ? '—' : fmt(r.medianSeconds, 2, never),
      r.maxSeconds === null ? '—' : `${r.maxSeconds.toFixed(2)}${r.stopped < r.measured && r.mode.name !== 'healthy' ? ` (${r.measured - r.stopped} never)` : ''}`,
      r.mode.name === 'healthy' && r.rolledBack === 0 ? '—' : fmt(r.medianFailedSeconds, 1, 'never'),
      fmt(r.medianCanaryRequests, 0, '—'),
      fmt(r.medianCanaryFailed, 0, '—'),
      fmt(r.medianTrafficMinutes, 4, '—'),
      fmt(r.maxTrafficMinutes, 4, '—'),
      r.breaches,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

export function legend(facts: Facts): string {
  return [
    `Medians over runs; a run whose canary never stopped serving within the cap counts as +∞ (median "never" when half or more did not).`,
    `s to stable: onset → the last request the canary server received (no request reached it afterwards);`,
    `  s to Failed: onset → the first poll (every ${facts.pollMs} ms) that saw the rollout Failed. Counts are requests the canary served after onset,`,
    `  until the run ended (rolled back, or the cap). traffic-min = canary requests after onset ÷ (all requests after onset ÷ minutes`,
    `  since onset) = the canary's share × minutes; at ${facts.canaryWeight} % a second of exposure is ${(facts.canaryWeight / 100 / 60).toFixed(4)} traffic-min.`,
    `  healthy: "onset" is the canary's first request; runs ${facts.healthySeconds} s at ${facts.canaryWeight} %; rolled back = false rollbacks.`,
  ].join('\n');
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

export function targets(rows: readonly ModeRow[], results: readonly RunResult[], facts: Facts): string {
  const find = (name: string): ModeRow | undefined => rows.find((r) => r.mode.name === name);
  const lines: string[] = ['Targets (issue 5)'];
  const x10 = find('x10');
  if (x10 !== undefined) {
    const canaryRps = (facts.totalRps * facts.canaryWeight) / 100;
    const s = x10.medianSeconds;
    const tm = x10.medianTrafficMinutes;
    const never = x10.measured - x10.stopped;
    lines.push(`  ${mark(s !== null && s <= TARGET_SECONDS_X10)} ×10 errors back on stable ≤ ${TARGET_SECONDS_X10} s after onset at ${canaryRps} canary rps (median): ${fmt(s, 2, `never rolled back within ${x10.capSeconds} s`)}${s === null ? '' : ` s (max ${fmt(x10.maxSeconds, 2)} s)`}${never > 0 ? `; ${never} of ${x10.measured} runs never rolled back within ${x10.capSeconds} s` : ''}`);
    lines.push(`  ${mark(tm !== null && tm <= TARGET_TRAFFIC_MINUTES_X10 && x10.stopped === x10.measured)} ×10 errors exposure ≤ ${TARGET_TRAFFIC_MINUTES_X10} traffic-minutes after onset (median): ${fmt(tm, 4, '—')}${never > 0 ? ' (runs that never rolled back: exposure until the cap)' : ''}; failed requests ${fmt(x10.medianCanaryFailed, 0, '—')}`);
  }
  const healthy = find('healthy');
  const early = results.filter((r) => r.rolledBackBeforeOnset).length;
  const badRuns = results.filter((r) => r.mode !== 'healthy').length;
  const earlyText = `; and ${early} of ${badRuns} bad runs rolled back in their ${facts.preOnsetSeconds} s before onset, canary still healthy`;
  if (healthy !== undefined) {
    lines.push(`  ${mark(healthy.rolledBack === 0 && healthy.measured > 0 && early === 0)} 0 false rollbacks: ${healthy.rolledBack} of ${healthy.measured} healthy runs (${facts.healthySeconds} s each at ${facts.canaryWeight} %)${earlyText}${healthy.breaches === '-' ? '' : `; healthy runs' conditions breached: ${healthy.breaches}`}`);
  } else if (early > 0) {
    lines.push(`  ✗ false rollbacks${earlyText}`);
  }
  for (const name of ['plus1pp', 'latency20']) {
    const row = find(name);
    if (row === undefined) continue;
    const when = row.medianSeconds === null ? `never rolled back within ${row.capSeconds} s (median)` : `back on stable in ${row.medianSeconds.toFixed(1)} s (median)`;
    lines.push(`  · ${row.mode.label}: ${when}; ${row.stopped} of ${row.measured} runs rolled back within ${row.capSeconds} s (no target; informational)`);
  }
  return lines.join('\n');
}

/** Flat JSON for bench/results/guardian.json. */
export function flatJson(rows: readonly ModeRow[], results: readonly RunResult[], facts: Facts): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const row of rows) {
    const k = row.mode.jsonSuffix;
    if (row.mode.name === 'healthy') {
      json['falseRollbacks'] = row.rolledBack;
      json['healthyRuns'] = row.measured;
      continue;
    }
    json[`secondsToStable${k}`] = round(row.medianSeconds, 3);
    json[`maxSecondsToStable${k}`] = round(row.maxSeconds, 3);
    json[`secondsToFailed${k}`] = round(row.medianFailedSeconds, 3);
    json[`exposureTrafficMinutes${k}`] = round(row.medianTrafficMinutes, 5);
    json[`canaryRequests${k}`] = round(row.medianCanaryRequests, 0);
    json[`failedRequests${k}`] = round(row.medianCanaryFailed, 0);
    json[`rolledBackRuns${k}`] = row.stopped;
    json[`runs${k}`] = row.measured;
    json[`capSeconds${k}`] = row.capSeconds;
  }
  return {
    ...json,
    falseRollbacksBeforeOnset: results.filter((r) => r.rolledBackBeforeOnset).length,
    quick: facts.quick,
    totalRps: facts.totalRps,
    canaryRps: (facts.totalRps * facts.canaryWeight) / 100,
    canaryWeight: facts.canaryWeight,
    preOnsetSeconds: facts.preOnsetSeconds,
    healthySeconds: facts.healthySeconds,
    concurrency: facts.concurrency,
    statusPollMs: facts.pollMs,
    latencyGuardApplied: facts.guardSpecAccepted,
    guardSeen: results.some((r) => r.guardSeen),
    notMeasuredRuns: results.filter((r) => r.error !== undefined).length,
    proxyErrors: results.reduce((sum, r) => sum + r.proxyErrors, 0),
    eventLoopDelayP99Ms: round(facts.eventLoopDelayP99Ms, 1),
    statusPollMeanMs: round(facts.polls.meanMs, 1),
    statusPollMaxMs: round(facts.polls.maxMs, 1),
    durationSeconds: round(facts.durationSeconds, 1),
    measuredAt: new Date().toISOString(),
  };
}
