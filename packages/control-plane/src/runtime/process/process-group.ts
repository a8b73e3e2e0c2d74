import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** One process as the OS lists it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly pgid: number;
  /** First letter of the state: R, S, D, T, Z (zombie), X (dead)... */
  readonly state: string;
  /** Exact arguments when /proc is available; absent with the `ps` fallback. */
  readonly argv?: readonly string[];
  /** Arguments joined by spaces. */
  readonly command: string;
}

export type StopOutcome = 'exited' | 'killed' | 'stuck';

const HAS_PROC = existsSync('/proc/self/stat');
const POLL_MS = 25;
/** How long to wait for a group to disappear after SIGKILL before giving up on it. */
const KILL_WAIT_MS = 2000;

/** Sends `signal` to every process in the group. False when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True while the group has a member that is not a zombie. Zombies count as gone: when PID 1 does not
 * reap orphans (many containers), a killed grandchild stays a zombie forever.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return groupMembers(pgid, false).length > 0;
}

/** True while `pid` exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true;
  const stat = readStat(pid);
  return stat !== undefined && !isDead(stat.state);
}

/** Live (non-zombie) members of a process group; `withCommand` also reads their arguments. */
export function groupMembers(pgid: number, withCommand = true): ProcessInfo[] {
  const all = HAS_PROC ? scanProc(pgid, withCommand) : scanPs();
  return all.filter((p) => p.pgid === pgid && !isDead(p.state));
}

/** Value of `name` in the environment `pid` was started with, when readable (Linux, same user). */
export function readEnvironValue(pid: number, name: string): string | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const prefix = `${name}=`;
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((e) => e.startsWith(prefix));
    return entry?.slice(prefix.length);
  } catch {
    return undefined;
  }
}

/**
 * SIGTERM to the group, wait up to `graceMs` for every member to exit, then SIGKILL the group.
 * `leaderExited` lets the owner of the leader also wait for its exit event, so the leader is reaped.
 */
export async function stopGroup(
  pgid: number,
  options: { readonly graceMs: number; readonly leaderExited?: () => boolean },
): Promise<StopOutcome> {
  const gone = (): boolean => (options.leaderExited?.() ?? true) && !isGroupAlive(pgid);
  signalGroup(pgid, 'SIGTERM');
  if (await pollUntil(gone, options.graceMs)) return 'exited';
  signalGroup(pgid, 'SIGKILL');
  return (await pollUntil(gone, KILL_WAIT_MS)) ? 'killed' : 'stuck';
}

async function pollUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + Math.max(0, timeoutMs);
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  return true;
}

function isDead(state: string): boolean {
  return state === 'Z' || state === 'X';
}

function readStat(pid: number): { state: string; pgid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces and parentheses; fields follow the last ")".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function scanProc(pgid: number, withCommand: boolean): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = readStat(pid);
    if (stat === undefined || stat.pgid !== pgid) continue;
    const argv = withCommand ? readArgv(pid) : [];
    found.push({ pid, pgid: stat.pgid, state: stat.state, argv, command: argv.join(' ') });
  }
  return found;
}

function readArgv(pid: number): string[] {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').slice(0, raw.endsWith('\0') ? -1 : undefined);
  } catch {
    return [];
  }
}

/** Fallback for systems without /proc (macOS, BSD): one `ps` call; arguments come back joined. */
export function scanPs(): ProcessInfo[] {
  let text: string;
  try {
    text = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,command='], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/.exec(line);
    if (m === null) continue;
    found.push({ pid: Number(m[1]), pgid: Number(m[2]), state: (m[3] ?? '?').charAt(0), command: m[4] ?? '' });
  }
  return found;
}
