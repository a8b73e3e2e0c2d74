// `npm run bench:judge [-- --quick]`: seeded synthetic canaries judged every second, as the analysis
// loop judges them; prints false-fail rate, detection rate and median time to detect per scenario
// and rate, checks issue 4's targets, and writes bench/results/judge.json. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASELINE_FACTOR, runCanary, SCENARIOS } from './simulate.js';
import type { Scenario } from './simulate.js';

const STEP_SECONDS = 300;
const RATES = [20, 200] as const;
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'judge.json');

interface Row {
  readonly scenario: string;
  readonly rps: number;
  readonly runs: number;
  readonly failed: number;
  readonly medianSeconds: number | null;
  readonly rules: string;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(scenario: Scenario, rps: number, runs: number, seedBase: number, baselineFactor: number): Row {
  const times: number[] = [];
  const rules = new Map<string, number>();
  for (let i = 0; i < runs; i++) {
    const result = runCanary(scenario, rps, STEP_SECONDS, seedBase + i, baselineFactor);
    if (result.detectedAt === undefined) continue;
    times.push(result.detectedAt);
    rules.set(result.rule ?? '?', (rules.get(result.rule ?? '?') ?? 0) + 1);
  }
  const ruleText = [...rules].map(([rule, n]) => `${rule} ${n}`).join(', ');
  return { scenario: scenario.name, rps, runs, failed: times.length, medianSeconds: median(times), rules: ruleText === '' ? '-' : ruleText };
}

function table(rows: readonly Row[]): string {
  const header = ['scenario', 'canary rps', 'runs', 'failed', 'rate', 'median s to fail', 'rules that fired'];
  const body = rows.map((r) => [r.scenario, String(r.rps), String(r.runs), String(r.failed), `${((100 * r.failed) / r.runs).toFixed(1)} %`, r.medianSeconds === null ? '—' : String(r.medianSeconds), r.rules]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const healthyRuns = quick ? 100 : 200;
  const badRuns = quick ? 50 : 100;
  const sameSize = process.argv.includes('--same-size-baseline');
  const baselineFactor = sameSize ? 1 : BASELINE_FACTOR;
  const baseline = sameSize ? 'a baseline the same size as the canary' : `the stable version as baseline (${BASELINE_FACTOR}× the canary's requests: canary at 10 %)`;
  console.log(`Judge simulation — ${quick ? 'quick' : 'full'}: ${STEP_SECONDS} s steps judged every second, ${baseline},`);
  console.log(`base error rate 1 %, latency lognormal (σ 0.5) judged by the share of requests above the baseline's p99; seeds fixed.\n`);
  const started = Date.now();
  const rows: Row[] = [];
  SCENARIOS.forEach((scenario, s) => {
    for (const rps of RATES) rows.push(measure(scenario, rps, scenario.name === 'healthy' ? healthyRuns : badRuns, 1_000_000 * (s + 1) + rps, baselineFactor));
  });
  console.log(table(rows));
  const find = (name: string, rps: number): Row => rows.find((r) => r.scenario === name && r.rps === rps)!;
  const healthy = RATES.map((rps) => find('healthy', rps));
  const falseFailRate = healthy.reduce((sum, r) => sum + r.failed, 0) / healthy.reduce((sum, r) => sum + r.runs, 0);
  const x10 = find('errors x10', 20);
  const results = {
    falseFailRate,
    detectSecondsX10: x10.medianSeconds,
    detectSecondsX10At200: find('errors x10', 200).medianSeconds,
    powerPlus1pp: find('errors +1pp', 200).failed / find('errors +1pp', 200).runs,
    powerPlus1ppAt20: find('errors +1pp', 20).failed / find('errors +1pp', 20).runs,
    powerP99Plus20: find('p99 +20%', 200).failed / find('p99 +20%', 200).runs,
    powerP99Plus20At20: find('p99 +20%', 20).failed / find('p99 +20%', 20).runs,
    quick,
    baselineFactor,
    stepSeconds: STEP_SECONDS,
    measuredAt: new Date().toISOString(),
  };
  const mark = (ok: boolean): string => (ok ? '✓' : '✗');
  console.log('\nTargets');
  console.log(`  ${mark(falseFailRate <= 0.01)} false fails ≤ 1 %: ${(100 * falseFailRate).toFixed(2)} % of ${healthy.reduce((s, r) => s + r.runs, 0)} healthy runs`);
  console.log(`  ${mark(x10.medianSeconds !== null && x10.medianSeconds <= 5)} ×10 errors detected in ≤ 5 s (median at 20 canary rps): ${x10.medianSeconds ?? '—'} s (at 200 rps: ${results.detectSecondsX10At200 ?? '—'} s)`);
  console.log(`  ${mark(results.powerPlus1pp >= 0.95)} +1 pp errors detected by the end of a 5-minute step at 200 rps, power ≥ 95 %: ${(100 * results.powerPlus1pp).toFixed(0)} % (at 20 rps: ${(100 * results.powerPlus1ppAt20).toFixed(0)} %)`);
  console.log(`  ${mark(results.powerP99Plus20 >= 0.95)} +20 % p99 detected by the end of a 5-minute step at 200 rps, power ≥ 95 %: ${(100 * results.powerP99Plus20).toFixed(0)} % (at 20 rps: ${(100 * results.powerP99Plus20At20).toFixed(0)} %)`);
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWrote ${resultsFile} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main();
