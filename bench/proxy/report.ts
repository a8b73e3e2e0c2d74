// Medians over rounds, the printed tables and targets, and the flat JSON of bench/results/proxy.json.
import type { TargetName } from './peers.js';
import type { SplitCount } from './split-sample.js';
import { canaryPercent, samplingTolerancePct } from './split-sample.js';
import type { WrkResult } from './wrk.js';

/** One measured wrk run. */
export interface Measurement {
  readonly target: TargetName;
  readonly connections: number;
  readonly round: number;
  readonly wrk: WrkResult;
  /** CPU µs per request of the target's process tree during this run. */
  readonly cpuUsPerReq: number;
  /** Percent of the machine used by processes that are not the benchmark's during this run. */
  readonly foreignPct: number;
  /** CPU µs per request of the target's `part` alone (sluice-nginx: nginx without the log tail), when it has one. */
  readonly partCpuUsPerReq?: number;
}

/** Medians over rounds for one target at one connection count. */
export interface Summary {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerReq: number;
  /** (max - min) / median of CPU µs/request over rounds, in percent: how noisy the figure is. */
  readonly cpuSpreadPct: number;
  /** Non-2xx responses plus socket errors, over all rounds. */
  readonly errors: number;
  /** Highest share of the machine other processes used during these runs, in percent. */
  readonly foreignPctMax: number;
  /** Median CPU µs per request of the target's `part` alone, when it has one. */
  readonly partCpuUsPerReq?: number;
}

/** The Issue 3 targets. */
export const TARGET_CPU_TO_NGINX = 2.0;
export const TARGET_CPU_TO_HTTP_PROXY = 0.4;
export const TARGET_ADDED_P99_MS_50 = 1.0;

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Summaries keyed by `${target}@${connections}`. */
export function summarize(measurements: readonly Measurement[]): Map<string, Summary> {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.target}@${m.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const out = new Map<string, Summary>();
  for (const [key, runs] of groups) {
    const cpu = runs.map((r) => r.cpuUsPerReq);
    const cpuMedian = median(cpu);
    const parts = runs.flatMap((r) => (r.partCpuUsPerReq === undefined ? [] : [r.partCpuUsPerReq]));
    out.set(key, {
      ...(parts.length === 0 ? {} : { partCpuUsPerReq: median(parts) }),
      rps: median(runs.map((r) => r.wrk.rps)),
      p50Ms: median(runs.map((r) => r.wrk.p50Ms)),
      p99Ms: median(runs.map((r) => r.wrk.p99Ms)),
      cpuUsPerReq: cpuMedian,
      cpuSpreadPct: ((Math.max(...cpu) - Math.min(...cpu)) / cpuMedian) * 100,
      errors: runs.reduce((sum, r) => sum + r.wrk.non2xx + r.wrk.socketErrors, 0),
      foreignPctMax: Math.max(...runs.map((r) => r.foreignPct)),
    });
  }
  return out;
}

const fmt = (n: number | undefined, digits: number): string => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
const group = (n: number): string => (Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US'));

/** The table of one connection count: rps, p50, p99, CPU µs/request and its ratio to nginx. */
export function formatTable(connections: number, targets: readonly TargetName[], summaries: ReadonlyMap<string, Summary>, rounds: number): string {
  const nginx = summaries.get(`nginx@${connections}`)?.cpuUsPerReq;
  const header = ['proxy', 'rps', 'p50 ms', 'p99 ms', 'CPU µs/req', '±%', '× nginx', 'errors', 'others %'];
  const rows = targets.map((t) => {
    const s = summaries.get(`${t}@${connections}`);
    if (s === undefined) return [t, '—', '—', '—', '—', '—', '—', '—', '—'];
    const ratio = t === 'direct' || nginx === undefined ? '—' : `${fmt(s.cpuUsPerReq / nginx, 2)}×`;
    const cpu = t === 'direct' ? `${fmt(s.cpuUsPerReq, 1)} (backend)` : fmt(s.cpuUsPerReq, 1);
    return [t, group(s.rps), fmt(s.p50Ms, 2), fmt(s.p99Ms, 2), cpu, fmt(s.cpuSpreadPct, 0), ratio, String(s.errors), fmt(s.foreignPctMax, 0)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`${connections} connections — median of ${rounds} round${rounds === 1 ? '' : 's'}`, line(header), ...rows.map(line)].join('\n');
}

/** Everything the targets and the JSON need, besides the summaries. */
export interface RunFacts {
  readonly quick: boolean;
  readonly multiCore: boolean;
  readonly rounds: number;
  readonly durationSec: number;
  readonly connections: readonly number[];
  readonly canaryPercent: number;
  readonly splits: ReadonlyMap<TargetName, SplitCount>;
  readonly notes: Readonly<Record<string, string>>;
}

/** A target's JSON prefix: http-proxy → httpProxy, sluice-nginx → sluiceNginx. */
export const camel = (t: string): string => t.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The headline figures: worst case over connection counts for the CPU ratios. */
export function headline(summaries: ReadonlyMap<string, Summary>, facts: RunFacts): Record<string, number | null> {
  const cpu = (t: TargetName, c: number): number | undefined => summaries.get(`${t}@${c}`)?.cpuUsPerReq;
  const ratio = (peer: TargetName, c: number): number | null => {
    const mine = cpu('sluice', c);
    const theirs = cpu(peer, c);
    return mine === undefined || theirs === undefined || !(theirs > 0) ? null : mine / theirs;
  };
  const worst = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : Math.max(...(values as number[])));
  const out: Record<string, number | null> = {};
  for (const c of facts.connections) {
    out[`cpuRatioToNginx${c}`] = ratio('nginx', c);
    out[`cpuRatioToHttpProxy${c}`] = ratio('http-proxy', c);
    const sluice = summaries.get(`sluice@${c}`)?.p99Ms;
    const direct = summaries.get(`direct@${c}`)?.p99Ms;
    out[`addedP99Ms${c}`] = sluice === undefined || direct === undefined ? null : sluice - direct;
    // The same figure for the reference proxies: what the closed loop lets any proxy reach here.
    for (const peer of ['nginx', 'haproxy', 'sluice-nginx'] as const) {
      const theirs = summaries.get(`${peer}@${c}`)?.p99Ms;
      out[`${camel(peer)}AddedP99Ms${c}`] = theirs === undefined || direct === undefined ? null : theirs - direct;
    }
    Object.assign(out, sluiceNginxVsNginx(summaries, c));
  }
  out['cpuRatioToNginx'] = worst(facts.connections.map((c) => out[`cpuRatioToNginx${c}`] ?? null));
  out['cpuRatioToHttpProxy'] = worst(facts.connections.map((c) => out[`cpuRatioToHttpProxy${c}`] ?? null));
  // nginx driven by Sluice against the hand-written nginx: worst case over connection counts.
  const each = (key: string): (number | null)[] => facts.connections.map((c) => out[`${key}${c}`] ?? null);
  out['sluiceNginxRpsRatioToNginx'] = each('sluiceNginxRpsRatioToNginx').some((v) => v === null) ? null : Math.min(...(each('sluiceNginxRpsRatioToNginx') as number[]));
  out['sluiceNginxCpuRatioToNginx'] = worst(each('sluiceNginxCpuRatioToNginx'));
  out['sluiceNginxAddedP99MsOverNginx'] = worst(each('sluiceNginxAddedP99MsOverNginx'));
  const split = facts.splits.get('sluice');
  out['splitErrorPct'] = split === undefined ? null : canaryPercent(split) - facts.canaryPercent;
  return out;
}

/** sluice-nginx against nginx at `c` connections: rps ratio, CPU ratio (whole tree and nginx alone), added p99. */
export function sluiceNginxVsNginx(summaries: ReadonlyMap<string, Summary>, c: number): Record<string, number | null> {
  const mine = summaries.get(`sluice-nginx@${c}`);
  const nginx = summaries.get(`nginx@${c}`);
  const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || !(b > 0) ? null : a / b);
  return {
    [`sluiceNginxRpsRatioToNginx${c}`]: ratio(mine?.rps, nginx?.rps),
    [`sluiceNginxCpuRatioToNginx${c}`]: ratio(mine?.cpuUsPerReq, nginx?.cpuUsPerReq),
    [`sluiceNginxNginxOnlyCpuRatioToNginx${c}`]: ratio(mine?.partCpuUsPerReq, nginx?.cpuUsPerReq),
    [`sluiceNginxAddedP99MsOverNginx${c}`]: mine === undefined || nginx === undefined ? null : mine.p99Ms - nginx.p99Ms,
  };
}

/** The lines comparing nginx driven by Sluice with the hand-written nginx (no target: reported as measured). */
export function formatSluiceNginx(h: Record<string, number | null>, summaries: ReadonlyMap<string, Summary>, facts: RunFacts): string {
  const perConn = (key: string, digits: number, unit: string): string =>
    facts.connections.map((c) => `${fmt(h[`${key}${c}`] ?? undefined, digits)}${unit} @${c}`).join(', ');
  const tail = facts.connections
    .map((c) => {
      const s = summaries.get(`sluice-nginx@${c}`);
      return `${fmt(s === undefined || s.partCpuUsPerReq === undefined ? undefined : s.cpuUsPerReq - s.partCpuUsPerReq, 1)} µs @${c}`;
    })
    .join(', ');
  return [
    'nginx driven by Sluice (NginxRouter, owned) vs hand-written nginx, same workers, backends and 90/10 split',
    `  rps ratio: worst ${fmt(h['sluiceNginxRpsRatioToNginx'] ?? undefined, 2)}× (${perConn('sluiceNginxRpsRatioToNginx', 2, '×')})`,
    `  added p99 over nginx: worst ${fmt(h['sluiceNginxAddedP99MsOverNginx'] ?? undefined, 2)} ms (${perConn('sluiceNginxAddedP99MsOverNginx', 2, ' ms')})`,
    `  CPU/request ratio: worst ${fmt(h['sluiceNginxCpuRatioToNginx'] ?? undefined, 2)}× with the log tail (${perConn('sluiceNginxCpuRatioToNginx', 2, '×')}); nginx alone ${perConn('sluiceNginxNginxOnlyCpuRatioToNginx', 2, '×')}; access-log tail ${tail} per request`,
  ].join('\n');
}

/** The target lines with ✓/✗ (or "n/a" when a figure is missing). */
export function formatTargets(h: Record<string, number | null>, facts: RunFacts): string {
  const check = (value: number | null | undefined, ok: (v: number) => boolean): string =>
    value === null || value === undefined || Number.isNaN(value) ? 'n/a' : ok(value) ? '✓' : '✗';
  const perConn = (key: string, digits: number, unit: string): string =>
    facts.connections.map((c) => `${fmt(h[`${key}${c}`] ?? undefined, digits)}${unit} @${c}`).join(', ');
  const split = facts.splits.get('sluice');
  const samples = split === undefined ? 0 : split.v1 + split.v2;
  const tolerance = samplingTolerancePct(facts.canaryPercent, samples);
  return [
    'Targets',
    `  ${check(h['cpuRatioToNginx'], (v) => v <= TARGET_CPU_TO_NGINX)} Sluice CPU/request ≤ ${TARGET_CPU_TO_NGINX}× nginx: worst ${fmt(h['cpuRatioToNginx'] ?? undefined, 2)}× (${perConn('cpuRatioToNginx', 2, '×')})`,
    `  ${check(h['cpuRatioToHttpProxy'], (v) => v <= TARGET_CPU_TO_HTTP_PROXY)} Sluice CPU/request ≤ ${TARGET_CPU_TO_HTTP_PROXY}× http-proxy: worst ${fmt(h['cpuRatioToHttpProxy'] ?? undefined, 2)}× (${perConn('cpuRatioToHttpProxy', 2, '×')})`,
    `  ${check(h['addedP99Ms50'], (v) => v <= TARGET_ADDED_P99_MS_50)} added p99 over direct ≤ ${TARGET_ADDED_P99_MS_50} ms at 50 connections: ${fmt(h['addedP99Ms50'] ?? undefined, 2)} ms (at 200: ${fmt(h['addedP99Ms200'] ?? undefined, 2)} ms; nginx ${fmt(h['nginxAddedP99Ms50'] ?? undefined, 2)} ms, HAProxy ${fmt(h['haproxyAddedP99Ms50'] ?? undefined, 2)} ms at 50)`,
    `  ${check(h['splitErrorPct'], (v) => Math.abs(v) <= tolerance)} split error (observed − ${facts.canaryPercent} % canary, ${samples} requests, no sticky key): ${fmt(h['splitErrorPct'] ?? undefined, 2)} pp (3σ sampling noise ±${fmt(tolerance, 2)} pp)`,
  ].join('\n');
}

/** The flat JSON written to bench/results/proxy.json. */
export function flatJson(summaries: ReadonlyMap<string, Summary>, facts: RunFacts, targets: readonly TargetName[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...headline(summaries, facts) };
  for (const t of targets) {
    for (const c of facts.connections) {
      const s = summaries.get(`${t}@${c}`);
      out[`${camel(t)}Rps${c}`] = s?.rps ?? null;
      out[`${camel(t)}P50Ms${c}`] = s?.p50Ms ?? null;
      out[`${camel(t)}P99Ms${c}`] = s?.p99Ms ?? null;
      out[`${camel(t)}CpuUsPerReq${c}`] = s?.cpuUsPerReq ?? null;
      out[`${camel(t)}CpuSpreadPct${c}`] = s?.cpuSpreadPct ?? null;
      out[`${camel(t)}Errors${c}`] = s?.errors ?? null;
      out[`${camel(t)}ForeignCpuPctMax${c}`] = s?.foreignPctMax ?? null;
      if (t === 'sluice-nginx') out[`sluiceNginxLogTailCpuUsPerReq${c}`] = s?.partCpuUsPerReq === undefined ? null : s.cpuUsPerReq - s.partCpuUsPerReq;
    }
    const split = facts.splits.get(t);
    if (t !== 'direct') out[`${camel(t)}CanaryPct`] = split === undefined ? null : canaryPercent(split);
  }
  return {
    ...out,
    canaryPct: facts.canaryPercent,
    quick: facts.quick,
    multiCore: facts.multiCore,
    rounds: facts.rounds,
    durationSec: facts.durationSec,
    ...facts.notes,
    measuredAt: new Date().toISOString(),
  };
}
