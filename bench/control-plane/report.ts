// The control-plane benchmark's table and flat JSON.
import type { LatencySummary } from './measure.js';
import { percentile } from './measure.js';
import type { ChildResult } from './protocol.js';

export const TARGET_STEP_P99_MS = 1000;

export interface ConfigResult {
  /** `sqlite` or `postgres`. */
  readonly store: string;
  readonly rollouts: number;
  readonly steps: LatencySummary;
  /** Only the steps due at a pause's end (timer-driven). */
  readonly afterPause: LatencySummary;
  readonly child: ChildResult;
  /** Step starts recorded per second in the window. */
  readonly stepsPerSecond: number;
}

const ms = (v: number | undefined): string => (v === undefined ? '—' : v < 10 ? v.toFixed(1) : v.toFixed(0));

export function passStats(child: ChildResult): { count: number; p50: number | undefined; p99: number | undefined; max: number | undefined } {
  const sorted = [...child.passMs].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
}

export function cpuCores(child: ChildResult): number {
  return (child.cpuUserMs + child.cpuSystemMs) / (child.to - child.from);
}

/** Share of the child's core that other processes used in the window (%), or undefined. */
export function othersOnCorePct(child: ChildResult): number | undefined {
  if (child.core0BusyMs === undefined) return undefined;
  return Math.max(0, Math.min(100, (100 * (child.core0BusyMs - child.cpuUserMs - child.cpuSystemMs)) / (child.to - child.from)));
}

export function printTable(results: readonly ConfigResult[]): void {
  const head = ['store', 'steps', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'late', 'after-pause p99', 'passes', 'pass p50', 'pass p99', 'CPU cores', 'RSS MB', 'loop p99', 'others %'];
  const rows = results.map((r) => {
    const p = passStats(r.child);
    return [r.store, `${r.steps.count}`, ms(r.steps.p50), ms(r.steps.p90), ms(r.steps.p99), ms(r.steps.max), `${r.steps.notStarted}`, ms(r.afterPause.p99), `${p.count}`, ms(p.p50), ms(p.p99), cpuCores(r.child).toFixed(2), r.child.rssMaxMb.toFixed(0), ms(r.child.eventLoopDelayP99Ms), othersOnCorePct(r.child)?.toFixed(0) ?? '—'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  console.log('  steps: step starts due in the window; late: due but not started when the window closed (counted at window end − due);');
  console.log('  passes: reconcile passes ended in the window; CPU cores: the child\'s user+system CPU ÷ wall time; RSS: the child\'s maximum;');
  console.log('  loop p99: the child\'s event-loop delay; others %: how much of the child\'s core other processes took (a busy machine inflates every latency).');
  for (const r of results) {
    const ratio = (r.steps.p99 ?? Infinity) / TARGET_STEP_P99_MS;
    const ok = ratio < 1 ? 'meets' : 'MISSES';
    console.log(`  ${r.store}: step p99 ${ms(r.steps.p99)} ms ÷ ${TARGET_STEP_P99_MS} ms target = ${ratio.toFixed(3)} (${ok} the target; after-pause steps ${((r.afterPause.p99 ?? Infinity) / TARGET_STEP_P99_MS).toFixed(3)}); ${r.stepsPerSecond.toFixed(0)} step starts/s at ${r.stepsPerSecond > 0 ? ((cpuCores(r.child) * 1000) / r.stepsPerSecond).toFixed(2) : "—"} ms CPU each, ${r.child.rolloutsCreated} rollouts made, ${r.child.activeAtEnd} active at the end`);
    if (r.child.warnings + r.child.errors > 0) console.log(`  ${r.store}: controller logged ${r.child.warnings} warnings, ${r.child.errors} errors; first: ${r.child.problems.join(' | ')}`);
  }
}

/** Flat JSON: the first configuration's figures unprefixed, every configuration's also prefixed by its store. */
export function flatJson(results: readonly ConfigResult[], facts: Record<string, string | number | boolean | null>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = { ...facts };
  const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
  results.forEach((r, index) => {
    const p = passStats(r.child);
    const figures: Record<string, string | number | null> = {
      store: r.store,
      rollouts: r.rollouts,
      steps: r.steps.count,
      stepsLate: r.steps.notStarted,
      stepLatencyP50Ms: round(r.steps.p50),
      stepLatencyP90Ms: round(r.steps.p90),
      stepLatencyP99Ms: round(r.steps.p99),
      stepLatencyMaxMs: round(r.steps.max),
      afterPauseP99Ms: round(r.afterPause.p99),
      stepsPerSecond: round(r.stepsPerSecond),
      passes: p.count,
      passP50Ms: round(p.p50),
      passP99Ms: round(p.p99),
      passMaxMs: round(p.max),
      cpuCores: Math.round(cpuCores(r.child) * 1000) / 1000,
      rssMb: Math.round(r.child.rssMaxMb),
      eventLoopDelayP99Ms: round(r.child.eventLoopDelayP99Ms),
      targetRatio: r.steps.p99 === undefined ? null : Math.round((r.steps.p99 / TARGET_STEP_P99_MS) * 1000) / 1000,
      othersOnCorePct: round(othersOnCorePct(r.child)),
      cpuMsPerStep: r.stepsPerSecond > 0 ? round((cpuCores(r.child) * 1000) / r.stepsPerSecond) : null,
      controllerWarnings: r.child.warnings,
      controllerErrors: r.child.errors,
    };
    for (const [key, value] of Object.entries(figures)) {
      if (index === 0) out[key] = value;
      out[`${r.store}${key[0]!.toUpperCase()}${key.slice(1)}`] = value;
    }
  });
  return out;
}
