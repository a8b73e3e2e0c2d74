import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { cliCommand, parseShowInfo, parseShowProc, parseShowStat, type StatRow } from './haproxy-cli.js';

const run = promisify(execFile);

/** Sluice starts and owns a HAProxy master-worker process; every file lives in `stateDir`. */
export interface OwnedHaproxyOptions {
  readonly kind: 'owned';
  readonly stateDir: string;
  /** Default: /usr/sbin/haproxy (Debian), or SLUICE_HAPROXY. */
  readonly binary?: string;
  /** How long close() lets in-flight requests finish before a hard stop. Default 5,000 ms. */
  readonly stopGraceMs?: number;
}

/**
 * A HAProxy the user runs. Sluice writes `configPath` (an include: load it with an extra `-f`, e.g.
 * a conf.d directory) and `mapPath`, and talks to `adminSocket` (`stats socket … level admin`).
 */
export interface ExternalHaproxyOptions {
  readonly kind: 'external';
  readonly adminSocket: string;
  readonly configPath: string;
  readonly mapPath: string;
  /** Runs a seamless reload, e.g. ["systemctl", "reload", "haproxy"]. */
  readonly reloadCommand: readonly string[];
  /** Validates a candidate config file (its path is appended). Default: [binary, "-c", "-f"]. */
  readonly checkCommand?: readonly string[];
  readonly binary?: string;
}

/** The operations the router needs from a HAProxy, owned or not. */
export interface HaproxyControl {
  readonly adminSocket: string;
  readonly configPath: string;
  readonly mapPath: string;
  start(): Promise<void>;
  /** Rejects with INVALID_REQUEST and HAProxy's own message when the file does not load. */
  check(path: string): Promise<void>;
  /** Seamless reload; resolves once a new worker answers on the admin socket. */
  reload(): Promise<void>;
  /** The current worker's pid and uptime (`show info`). */
  info(): Promise<{ readonly pid: number; readonly uptimeSec: number }>;
  /** `show stat` of the old workers still finishing requests (owned mode only; [] otherwise). */
  oldWorkerStats(): Promise<StatRow[]>;
  stop(): Promise<void>;
}

export const DEFAULT_HAPROXY = process.env['SLUICE_HAPROXY'] ?? '/usr/sbin/haproxy';

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy: ${what} within ${timeoutMs} ms${last === undefined ? '' : `: ${String(last)}`}`);
}

async function checkConfig(command: readonly string[], path: string): Promise<void> {
  const [file, ...args] = command;
  try {
    await run(file ?? DEFAULT_HAPROXY, [...args, path], { timeout: 15_000 });
  } catch (error) {
    const output = (error as { stderr?: string; stdout?: string }).stderr ?? String(error);
    const alerts = output.split('\n').filter((l) => l.includes('ALERT')).join('\n') || output;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `HAProxy rejected the rendered config: ${alerts.trim().slice(0, 600)}`);
  }
}

async function readInfo(adminSocket: string): Promise<{ pid: number; uptimeSec: number }> {
  const info = parseShowInfo(await cliCommand(adminSocket, 'show info'));
  const pid = Number(info['Pid']);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('show info has no Pid');
  return { pid, uptimeSec: Number(info['Uptime_sec']) };
}

/** HAProxy as a child process in master-worker mode (`-W -S <master socket>`), reloaded over the master CLI. */
export class OwnedHaproxy implements HaproxyControl {
  readonly adminSocket: string;
  readonly configPath: string;
  readonly mapPath: string;
  readonly masterSocket: string;
  readonly internalSocket: string;
  readonly #binary: string;
  readonly #stopGraceMs: number;
  #child: ChildProcess | undefined;
  #stderr = '';

  constructor(options: OwnedHaproxyOptions) {
    const dir = options.stateDir;
    this.adminSocket = `${dir}/admin.sock`;
    this.masterSocket = `${dir}/master.sock`;
    this.internalSocket = `${dir}/internal.sock`;
    this.configPath = `${dir}/haproxy.cfg`;
    this.mapPath = `${dir}/split.map`;
    this.#binary = options.binary ?? DEFAULT_HAPROXY;
    this.#stopGraceMs = options.stopGraceMs ?? 5_000;
  }

  /** The master's pid (for tests and logs), once started. */
  get masterPid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const child = spawn(this.#binary, ['-W', '-S', `${this.masterSocket},mode,600`, '-f', this.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-4_000);
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code) => reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy exited (${code}) while starting: ${this.#stderr.trim()}`)));
    });
    exited.catch(() => {});
    await Promise.race([exited, waitFor('the first worker did not answer', 10_000, () => readInfo(this.adminSocket))]);
  }

  check(path: string): Promise<void> {
    return checkConfig([this.#binary, '-c', '-f'], path);
  }

  async processes(): Promise<ReturnType<typeof parseShowProc>> {
    return parseShowProc(await cliCommand(this.masterSocket, 'show proc'));
  }

  async reload(): Promise<void> {
    const before = await this.processes();
    await cliCommand(this.masterSocket, 'reload');
    await waitFor('the reloaded worker did not answer', 15_000, async () => {
      const now = await this.processes();
      if (now.failedReloads > before.failedReloads) {
        throw new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy reload failed: ${this.#stderr.trim().slice(-600)}`);
      }
      const fresh = now.workers.find((pid) => !before.workers.includes(pid));
      if (fresh === undefined) return undefined;
      return (await readInfo(this.adminSocket)).pid === fresh ? true : undefined;
    });
  }

  info(): Promise<{ pid: number; uptimeSec: number }> {
    return readInfo(this.adminSocket);
  }

  async oldWorkerStats(): Promise<StatRow[]> {
    if (this.#child === undefined) return [];
    const { oldWorkers } = await this.processes();
    const tables = await Promise.all(oldWorkers.map((pid) => cliCommand(this.masterSocket, `@!${pid} show stat;quit`).catch(() => '')));
    return tables.flatMap(parseShowStat);
  }

  /** Soft stop (SIGUSR1: stop listening, finish in-flight requests), then SIGTERM after the grace period. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGUSR1');
    const hard = setTimeout(() => child.kill('SIGTERM'), this.#stopGraceMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), this.#stopGraceMs + 5_000);
    await exited;
    clearTimeout(hard);
    clearTimeout(kill);
  }
}

/** A HAProxy the user runs and reloads; Sluice only writes its include and map and uses the admin socket. */
export class ExternalHaproxy implements HaproxyControl {
  readonly adminSocket: string;
  readonly configPath: string;
  readonly mapPath: string;
  readonly #options: ExternalHaproxyOptions;

  constructor(options: ExternalHaproxyOptions) {
    this.#options = options;
    this.adminSocket = options.adminSocket;
    this.configPath = options.configPath;
    this.mapPath = options.mapPath;
  }

  async start(): Promise<void> {
    await waitFor('the admin socket did not answer', 10_000, () => readInfo(this.adminSocket));
  }

  check(path: string): Promise<void> {
    return checkConfig(this.#options.checkCommand ?? [this.#options.binary ?? DEFAULT_HAPROXY, '-c', '-f'], path);
  }

  async reload(): Promise<void> {
    const before = await readInfo(this.adminSocket);
    const [file, ...args] = this.#options.reloadCommand;
    if (file === undefined) throw new SluiceError(ErrorCode.INVALID_REQUEST, 'HAProxy: reloadCommand is empty');
    await run(file, args, { timeout: 30_000 });
    await waitFor('no new worker after the reload command', 15_000, async () => ((await readInfo(this.adminSocket)).pid !== before.pid ? true : undefined));
  }

  info(): Promise<{ pid: number; uptimeSec: number }> {
    return readInfo(this.adminSocket);
  }

  async oldWorkerStats(): Promise<StatRow[]> {
    return [];
  }

  async stop(): Promise<void> {}
}
