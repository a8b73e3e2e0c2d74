// Child processes of the benchmark: started pinned, tracked, and all stopped on exit (also on SIGINT and errors).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { readAllStats, treeOf } from './cpu.js';

/** One started server process. */
export interface Managed {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Its stderr so far (bounded), for error messages. */
  readonly log: () => string;
}

const started = new Set<Managed>();
/** Pids seen below our children (nginx workers); killed too if a master dies first. */
const descendants = new Set<number>();
const looseWrk = new Set<number>();

/** Finds a free TCP port on 127.0.0.1 by binding port 0 (the usual small race is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a command is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Starts `command` (behind the pinning prefix); stdin stays open so node children can exit when we vanish. */
export function startProcess(name: string, pin: readonly string[], command: string, args: readonly string[]): Managed {
  const [exe, ...rest] = [...pin, command, ...args];
  const child = spawn(exe!, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `cannot start ${name} (${command}); expected the command to be installed`);
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.once('error', () => undefined);
  const managed: Managed = { name, pid: child.pid, child, log: () => stderr };
  started.add(managed);
  child.once('exit', () => started.delete(managed));
  return managed;
}

/** Remembers the current descendants of every started process, for the last-resort kill on exit. */
export function recordDescendants(): void {
  const stats = readAllStats();
  for (const m of started) for (const pid of treeOf(m.pid, stats)) if (pid !== m.pid) descendants.add(pid);
}

/** Tracks a wrk run so it is killed if we exit mid-run; call the returned function once it has ended. */
export function trackWrk(pid: number): () => void {
  looseWrk.add(pid);
  return () => looseWrk.delete(pid);
}

/** Waits until `url` answers any HTTP status, or fails naming the process and its stderr. */
export async function waitForHttp(managed: Managed, url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (managed.child.exitCode !== null || managed.child.signalCode !== null) break;
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SluiceError(
    ErrorCode.ADAPTER_FAILED,
    `${managed.name} did not answer at ${url} within ${timeoutMs} ms (exit ${managed.child.exitCode ?? managed.child.signalCode ?? 'none'}); stderr: ${managed.log().trim() || '(empty)'}`,
  );
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(true));
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Stops every started process: SIGTERM, up to 3 s to exit, then SIGKILL of it and anything below it. */
export async function stopAll(): Promise<void> {
  recordDescendants();
  for (const pid of looseWrk) signal(pid, 'SIGKILL');
  const all = [...started];
  for (const m of all) signal(m.pid, 'SIGTERM');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && all.some((m) => alive(m.pid) && m.child.exitCode === null && m.child.signalCode === null)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  killRemaining();
}

/** Synchronous last resort for process 'exit': SIGKILL whatever is left. */
export function killRemaining(): void {
  for (const m of started) signal(m.pid, 'SIGKILL');
  for (const pid of descendants) if (alive(pid)) signal(pid, 'SIGKILL');
  for (const pid of looseWrk) signal(pid, 'SIGKILL');
  started.clear();
  descendants.clear();
  looseWrk.clear();
}
