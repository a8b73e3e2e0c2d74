// Signs that the machine, not a release, slowed or dropped connections (Linux; undefined elsewhere):
// - the kernel's count of connections dropped because a listen socket's accept queue was full
//   (TcpExt ListenOverflows in /proc/net/netstat, machine-wide), sampled every second and put on the
//   phase current at the time;
// - how much of the machine other processes used: all busy time (/proc/stat) minus this process tree's
//   (the benchmark, the sluice server, its instances and the CLI runs: utime + stime + reaped children).
import { readdirSync, readFileSync } from 'node:fs';

/** TcpExt ListenOverflows, or undefined off Linux. */
function listenOverflows(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const i = names.indexOf('ListenOverflows');
    return i < 0 ? undefined : Number(values[i]);
  } catch {
    return undefined;
  }
}

export class OverflowWatch {
  readonly byPhase = new Map<string, number>();
  #last = listenOverflows();
  readonly #timer: NodeJS.Timeout;

  constructor(currentPhase: () => string) {
    this.#timer = setInterval(() => this.#sample(currentPhase()), 1_000);
  }

  /** Stops sampling (after one last sample for `phase`); the total, or undefined when not measurable. */
  stop(phase: string): number | undefined {
    clearInterval(this.#timer);
    this.#sample(phase);
    return this.#last === undefined ? undefined : [...this.byPhase.values()].reduce((a, b) => a + b, 0);
  }

  #sample(phase: string): void {
    const now = listenOverflows();
    if (now === undefined || this.#last === undefined) return;
    if (now > this.#last) this.byPhase.set(phase, (this.byPhase.get(phase) ?? 0) + now - this.#last);
    this.#last = now;
  }
}

/** Busy and total clock ticks of the whole machine, and the busy ticks of this process's tree. */
export interface CpuSample {
  readonly machineBusy: number;
  readonly machineTotal: number;
  readonly ours: number;
}

export function cpuSample(): CpuSample | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { machineBusy: total - idle, machineTotal: total, ours: treeTicks(process.pid) };
  } catch {
    return undefined;
  }
}

/** utime + stime + cutime + cstime of `root` and every live descendant. */
function treeTicks(root: number): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      procs.set(Number(name), { ppid: f[1]!, ticks: f[11]! + f[12]! + f[13]! + f[14]! });
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, p] of procs) if (inTree(pid)) ticks += p.ticks;
  return ticks;
}

/** Shares of the whole machine between two samples, in %: busy in all, and busy in other processes. */
export function machineShares(a: CpuSample | undefined, b: CpuSample | undefined): { busyPct: number; othersPct: number } | undefined {
  if (a === undefined || b === undefined) return undefined;
  const total = Math.max(1, b.machineTotal - a.machineTotal);
  const busy = b.machineBusy - a.machineBusy;
  return { busyPct: (100 * busy) / total, othersPct: Math.max(0, (100 * (busy - (b.ours - a.ours))) / total) };
}
