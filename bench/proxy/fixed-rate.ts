// Latency at a fixed offered load, with `hey` (Debian package hey): every target gets the same request
// rate over 50 connections, far below saturation, so p99 shows what one proxy hop adds rather than
// how much throughput one core has (which is what wrk's closed loop measures).
import { spawn } from 'node:child_process';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { median } from './report.js';

/** Percentiles of one hey run, in milliseconds. */
export interface HeyResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses other than 200, plus errors hey lists. */
  readonly errors: number;
}

/** Parses hey's summary: "Requests/sec:", the "Latency distribution" lines and "Status code distribution". */
export function parseHeyOutput(stdout: string): HeyResult {
  const rps = /Requests\/sec:\s*([0-9.]+)/.exec(stdout);
  const p50 = /^\s*50%+ in ([0-9.]+) secs/m.exec(stdout);
  const p99 = /^\s*99%+ in ([0-9.]+) secs/m.exec(stdout);
  if (rps === null || p50 === null || p99 === null) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `hey output lacks Requests/sec or the 50%/99% latency lines; expected hey's summary report. Output was:\n${stdout}`);
  }
  let errors = 0;
  for (const m of stdout.matchAll(/^\s*\[(\d{3})\]\s+(\d+) responses/gm)) if (m[1] !== '200') errors += Number(m[2]);
  const errorBlock = /Error distribution:\n([\s\S]*)$/.exec(stdout);
  if (errorBlock !== null) for (const m of errorBlock[1]!.matchAll(/^\s*\[(\d+)\]/gm)) errors += Number(m[1]);
  return { rps: Number(rps[1]), p50Ms: Number(p50[1]) * 1000, p99Ms: Number(p99[1]) * 1000, errors };
}

/** How to run hey once. */
export interface HeyOptions {
  readonly url: string;
  readonly connections: number;
  /** Requests per second per connection (hey -q). */
  readonly perConnectionRps: number;
  readonly durationSec: number;
  readonly pin: readonly string[];
  readonly onSpawn?: (pid: number) => void;
}

export function heyArgs(options: HeyOptions): string[] {
  return ['hey', '-c', String(options.connections), '-q', String(options.perConnectionRps), '-z', `${options.durationSec}s`, '-t', '5', options.url];
}

/** Runs hey and parses its report; rejects with the output when it fails. */
export function runHey(options: HeyOptions): Promise<HeyResult> {
  const [command, ...args] = [...options.pin, ...heyArgs(options)];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `hey exited with ${String(code)}; output:\n${out}`));
      try {
        resolve(parseHeyOutput(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Offered load of the fixed-rate phase: 50 connections × 40 requests/s = 2,000 requests/s. */
export const FIXED_CONNECTIONS = 50;
export const FIXED_PER_CONNECTION_RPS = 40;

/** Medians over rounds of one target at the fixed rate. */
export interface FixedRateSummary {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

interface Runnable {
  readonly name: string;
  readonly url: string;
}

/** Runs every target at the fixed rate, `rounds` times in alternating order; medians per target. */
export async function fixedRateLatency(targets: readonly Runnable[], rounds: number, durationSec: number, pin: readonly string[], track: (pid: number) => () => void): Promise<Map<string, FixedRateSummary>> {
  const runs = new Map<string, HeyResult[]>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      let untrack = (): void => undefined;
      const result = await runHey({
        url: target.url, connections: FIXED_CONNECTIONS, perConnectionRps: FIXED_PER_CONNECTION_RPS, durationSec, pin,
        onSpawn: (pid) => (untrack = track(pid)),
      }).finally(() => untrack());
      runs.set(target.name, [...(runs.get(target.name) ?? []), result]);
    }
  }
  const out = new Map<string, FixedRateSummary>();
  for (const [name, results] of runs) {
    out.set(name, {
      rps: median(results.map((r) => r.rps)),
      p50Ms: median(results.map((r) => r.p50Ms)),
      p99Ms: median(results.map((r) => r.p99Ms)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
    });
  }
  return out;
}

/** The printed table and the JSON keys (`<target>FixedP99Ms`, `addedP99MsFixedRate`, …) of the fixed-rate phase. */
export function fixedRateReport(summaries: ReadonlyMap<string, FixedRateSummary>, rounds: number): { text: string; json: Record<string, number | null> } {
  const json: Record<string, number | null> = {};
  const lines = [`Fixed rate: ${FIXED_CONNECTIONS} connections × ${FIXED_PER_CONNECTION_RPS} requests/s (hey), median of ${rounds} rounds`, 'proxy            rps  p50 ms  p99 ms  errors'];
  for (const [name, s] of summaries) {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    json[`${key}FixedRps`] = s.rps;
    json[`${key}FixedP50Ms`] = s.p50Ms;
    json[`${key}FixedP99Ms`] = s.p99Ms;
    lines.push(`${name.padEnd(13)}${s.rps.toFixed(0).padStart(6)}${s.p50Ms.toFixed(2).padStart(8)}${s.p99Ms.toFixed(2).padStart(8)}${String(s.errors).padStart(8)}`);
  }
  const sluice = summaries.get('sluice')?.p99Ms;
  const direct = summaries.get('direct')?.p99Ms;
  const nginx = summaries.get('nginx')?.p99Ms;
  const sluiceNginx = summaries.get('sluice-nginx')?.p99Ms;
  json['addedP99MsFixedRate'] = sluice === undefined || direct === undefined ? null : sluice - direct;
  json['nginxAddedP99MsFixedRate'] = nginx === undefined || direct === undefined ? null : nginx - direct;
  json['sluiceNginxAddedP99MsFixedRate'] = sluiceNginx === undefined || direct === undefined ? null : sluiceNginx - direct;
  json['sluiceNginxAddedP99MsOverNginxFixedRate'] = sluiceNginx === undefined || nginx === undefined ? null : sluiceNginx - nginx;
  const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(2));
  const driven = sluiceNginx === undefined ? '' : `, nginx driven by Sluice ${fmt(json['sluiceNginxAddedP99MsFixedRate'])} ms (${fmt(json['sluiceNginxAddedP99MsOverNginxFixedRate'])} ms over nginx)`;
  lines.push(`added p99 over direct at this rate: Sluice ${fmt(json['addedP99MsFixedRate'])} ms, nginx ${fmt(json['nginxAddedP99MsFixedRate'])} ms${driven}`);
  return { text: lines.join('\n'), json };
}
