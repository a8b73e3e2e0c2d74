// CPU accounting from /proc: user + system time of a process and all its descendants.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { ErrorCode, SluiceError } from '@sluice/domain';

/** The fields of /proc/<pid>/stat the benchmark needs. */
export interface ProcStat {
  readonly pid: number;
  /** Command name (without the parentheses). */
  readonly comm: string;
  readonly ppid: number;
  /** User-mode CPU time in clock ticks (all threads of the process). */
  readonly utime: number;
  /** Kernel-mode CPU time in clock ticks (all threads of the process). */
  readonly stime: number;
  /** User + kernel ticks of children it has waited for (exited wrk runs, for the benchmark itself). */
  readonly childTicks: number;
}

/** Machine-wide CPU time from the first line of /proc/stat, in clock ticks over all CPUs. */
export interface SystemCpu {
  /** Everything but idle and iowait, steal included. */
  readonly busy: number;
  /** Time the hypervisor ran someone else while this machine wanted to run. */
  readonly steal: number;
  /** All time, idle included. */
  readonly total: number;
}

/** What foreignPercent compares: machine time and every process, at one moment. */
export interface LoadSnapshot {
  readonly system: SystemCpu;
  readonly stats: readonly ProcStat[];
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so the fields are counted from the last ")".
 */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(')');
  const pid = Number.parseInt(line, 10);
  const open = line.indexOf('(');
  // After ")": state(3) ppid(4) pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15) cutime(16) cstime(17).
  const rest = close === -1 ? [] : line.slice(close + 2).trim().split(/\s+/);
  const [ppid, utime, stime, cutime, cstime] = [rest[1], rest[11], rest[12], rest[13], rest[14]].map(Number);
  if (!Number.isInteger(pid) || rest.length < 15 || [ppid, utime, stime, cutime, cstime].some((n) => !Number.isInteger(n))) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `/proc stat line "${line.slice(0, 120)}" is not understood; expected "pid (comm) state ppid … utime stime cutime cstime …"`);
  }
  return { pid, comm: line.slice(open + 1, close), ppid: ppid!, utime: utime!, stime: stime!, childTicks: cutime! + cstime! };
}

/** Parses the aggregate "cpu" line of /proc/stat (user nice system idle iowait irq softirq steal …). */
export function parseSystemCpu(text: string): SystemCpu {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  const fields = line === undefined ? [] : line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isInteger(n))) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `/proc/stat has no readable "cpu" line; expected "cpu user nice system idle iowait irq softirq steal …"`);
  }
  const total = fields.reduce((sum, n) => sum + n, 0);
  return { busy: total - fields[3]! - fields[4]!, steal: fields[7]!, total };
}

const ticksOf = (s: ProcStat | undefined): number => (s === undefined ? 0 : s.utime + s.stime + s.childTicks);

/**
 * Share of the machine (percent of all CPUs) used by others between two snapshots: CPU time of
 * every process outside `self`'s tree, plus hypervisor steal. A reaped child adds its whole life to
 * its parent's counters, so the sum is capped by what the machine was really busy with, minus ours.
 * ksoftirqd is left out: during a run it mostly carries the benchmark's own loopback packets.
 */
export function foreignPercent(before: LoadSnapshot, after: LoadSnapshot, self = process.pid): number {
  const total = after.system.total - before.system.total;
  if (total <= 0) return Number.NaN;
  const ours = new Set([...treeOf(self, before.stats), ...treeOf(self, after.stats)]);
  const earlier = new Map(before.stats.map((s) => [s.pid, s]));
  let others = after.system.steal - before.system.steal;
  let mine = 0;
  for (const s of after.stats) {
    const delta = Math.max(0, ticksOf(s) - ticksOf(earlier.get(s.pid)));
    if (ours.has(s.pid)) mine += delta;
    else if (!s.comm.startsWith('ksoftirqd')) others += delta;
  }
  const ceiling = after.system.busy - before.system.busy - mine;
  return Math.min(100, Math.max(0, (Math.min(others, ceiling) / total) * 100));
}

/** Machine time and every process, now. */
export function loadSnapshot(): LoadSnapshot {
  return { system: parseSystemCpu(readFileSync('/proc/stat', 'utf8')), stats: readAllStats() };
}

/** The pids of `root` and every process below it, given a snapshot of all processes. */
export function treeOf(root: number, stats: readonly ProcStat[]): number[] {
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list === undefined) children.set(s.ppid, [s.pid]);
    else list.push(s.pid);
  }
  const out: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (!stats.some((s) => s.pid === pid)) continue;
    out.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** utime + stime of the given processes, in clock ticks. */
export function sumTicks(pids: readonly number[], stats: readonly ProcStat[]): number {
  const wanted = new Set(pids);
  let ticks = 0;
  for (const s of stats) if (wanted.has(s.pid)) ticks += s.utime + s.stime;
  return ticks;
}

/** CPU microseconds per request for a tick delta over `requests` requests; NaN when nothing was served. */
export function cpuUsPerRequest(ticks: number, ticksPerSecond: number, requests: number): number {
  if (requests <= 0) return Number.NaN;
  return (ticks / ticksPerSecond) * 1e6 / requests;
}

/** A snapshot of every live process. Processes that vanish while being read are skipped. */
export function readAllStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // Exited between readdir and read, or not readable: not one of ours.
    }
  }
  return out;
}

/** Current CPU ticks of `root`'s whole process tree (nginx master + workers, haproxy, node). */
export function treeTicks(root: number): number {
  const stats = readAllStats();
  return sumTicks(treeOf(root, stats), stats);
}

/** The kernel's clock ticks per second (getconf CLK_TCK), 100 if it cannot be read. */
export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** Reads the share of the machine other processes use over `sampleMs`. */
export async function sampleForeignPercent(sampleMs: number): Promise<number> {
  const before = loadSnapshot();
  await new Promise((r) => setTimeout(r, sampleMs));
  return foreignPercent(before, loadSnapshot());
}

/** Waits until others use at most `thresholdPct` of the machine for one second, or `maxWaitMs` passes; returns the last reading. */
export async function waitForQuiet(thresholdPct: number, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let foreign = await sampleForeignPercent(1000);
  while (foreign > thresholdPct && Date.now() < deadline) foreign = await sampleForeignPercent(1000);
  return foreign;
}
