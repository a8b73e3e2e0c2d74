import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { ownedDirectories, renderMainConfig, type OwnedNginxPaths } from './nginx-main-config.js';

const run = promisify(execFile);

/** How Sluice tells nginx about a changed include directory. */
export interface NginxControl {
  /** The directory holding one `<service>.conf` per service. */
  readonly includeDir: string;
  /** Starts nginx when Sluice owns it; a no-op for the user's nginx. */
  start(): Promise<void>;
  /** Tests the whole configuration with `staged` in place of `target` and moves it there; on failure leaves `target` as it was and throws. */
  install(staged: string, target: string): Promise<void>;
  /** Graceful reload: new workers with the new configuration, old ones finish their requests. */
  reload(): Promise<void>;
  /** The master's pid, when known (to list its workers). */
  masterPid(): Promise<number | undefined>;
  /** The last lines of nginx's error log, when known, for error messages. */
  errorTail(): Promise<string>;
  /** Stops nginx when Sluice owns it (graceful quit). */
  stop(): Promise<void>;
}

function refused(output: string): SluiceError {
  const lines = output.split('\n').filter((l) => l.includes('[emerg]') || l.includes('[alert]') || l.includes('failed'));
  return new SluiceError(ErrorCode.ADAPTER_FAILED, `nginx -t refused the new configuration (the previous one keeps serving): ${(lines.length > 0 ? lines : [output.trim()]).join('; ')}`);
}

async function nginxTest(binary: string, args: readonly string[]): Promise<void> {
  try {
    await run(binary, ['-t', '-q', ...args], { timeout: 30_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw refused(e.stderr !== undefined && e.stderr !== '' ? e.stderr : e.message);
  }
}

async function tail(file: string, lines = 5): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join(' | ');
}

/** The paths of an nginx owned by Sluice under `stateDir`. */
export function ownedPaths(stateDir: string, includeDir = join(stateDir, 'conf.d')): OwnedNginxPaths {
  return { prefix: stateDir, mainConfig: join(stateDir, 'nginx.conf'), pidFile: join(stateDir, 'nginx.pid'), errorLog: join(stateDir, 'error.log'), includeDir };
}

/** An nginx master Sluice starts, owns and stops: foreground under Sluice, files in the state directory. */
export class OwnedNginx implements NginxControl {
  readonly includeDir: string;
  readonly #binary: string;
  readonly #paths: OwnedNginxPaths;
  readonly #workers: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(binary: string, paths: OwnedNginxPaths, workers = 2) {
    this.#binary = binary;
    this.#paths = paths;
    this.#workers = workers;
    this.includeDir = paths.includeDir;
  }

  #args(config: string): string[] {
    return ['-p', this.#paths.prefix, '-c', config, '-e', this.#paths.errorLog];
  }

  #main(includes?: readonly string[]): string {
    return renderMainConfig(this.#paths, { workers: this.#workers, runningAsRoot: process.getuid?.() === 0, ...(includes === undefined ? {} : { includes }) });
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    await this.#stopOrphan();
    for (const dir of ownedDirectories(this.#paths)) await mkdir(dir, { recursive: true });
    await writeFile(this.#paths.mainConfig, this.#main());
    await nginxTest(this.#binary, this.#args(this.#paths.mainConfig));
    const child = spawn(this.#binary, [...this.#args(this.#paths.mainConfig), '-g', 'daemon off; master_process on;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.#child = child;
    const deadline = Date.now() + 10_000;
    while ((await this.masterPid()) !== child.pid) {
      if (child.exitCode !== null || Date.now() > deadline) {
        this.#child = undefined;
        child.kill('SIGKILL');
        throw new SluiceError(ErrorCode.ADAPTER_FAILED, `nginx did not start: ${stderr.trim() || (await this.errorTail())}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * A master left running by a Sluice that was killed (its pid file names it, and it runs with this
   * prefix) still holds the listen addresses: ask it to quit, and kill it after 10 s.
   */
  async #stopOrphan(): Promise<void> {
    const pid = await this.masterPid();
    if (pid === undefined) return;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    if (!cmdline.includes('nginx') || !cmdline.includes(this.#paths.prefix)) return;
    process.kill(pid, 'SIGQUIT');
    const deadline = Date.now() + 10_000;
    while (await readFile(`/proc/${pid}/cmdline`, 'utf8').then(() => true, () => false)) {
      if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async install(staged: string, target: string): Promise<void> {
    const others = (await readdir(this.includeDir)).filter((f) => f.endsWith('.conf') && f !== basename(target)).map((f) => join(this.includeDir, f));
    const testConfig = join(this.#paths.prefix, 'nginx.test.conf');
    await writeFile(testConfig, this.#main([...others, staged]));
    await nginxTest(this.#binary, this.#args(testConfig));
    await rename(staged, target);
  }

  async reload(): Promise<void> {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#child?.exitCode !== null) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `nginx is not running: ${await this.errorTail()}`);
    process.kill(pid, 'SIGHUP');
  }

  async masterPid(): Promise<number | undefined> {
    const text = await readFile(this.#paths.pidFile, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  }

  errorTail(): Promise<string> {
    return tail(this.#paths.errorLog);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode === null) child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** The user's own nginx, whose configuration includes `includeDir` inside its `http` block. */
export interface ExternalNginxOptions {
  readonly binary: string;
  /** The main configuration file (`nginx -t -c` and `nginx -s reload -c` use it). */
  readonly config: string;
  readonly includeDir: string;
  /** The master's pid file: reload by SIGHUP, and old workers are checked before a change counts as served. */
  readonly pidFile?: string;
  /** nginx's error log, quoted in errors. */
  readonly errorLog?: string;
}

/** Drives an nginx Sluice does not own: writes files, tests, reloads; never starts or stops it. */
export class ExternalNginx implements NginxControl {
  readonly includeDir: string;
  readonly #options: ExternalNginxOptions;

  constructor(options: ExternalNginxOptions) {
    this.#options = options;
    this.includeDir = options.includeDir;
  }

  async start(): Promise<void> {
    await mkdir(this.includeDir, { recursive: true });
  }

  /** Swaps the staged file in, tests the whole configuration and puts the previous file back when nginx refuses it. */
  async install(staged: string, target: string): Promise<void> {
    const backup = `${staged}.previous`;
    const existed = await copyFile(target, backup).then(() => true, () => false);
    await rename(staged, target);
    try {
      await nginxTest(this.#options.binary, ['-c', this.#options.config]);
    } catch (error) {
      if (existed) await rename(backup, target);
      else await rm(target, { force: true });
      throw error;
    }
    await rm(backup, { force: true });
  }

  async reload(): Promise<void> {
    const pid = await this.masterPid();
    if (pid !== undefined) {
      process.kill(pid, 'SIGHUP');
      return;
    }
    try {
      await run(this.#options.binary, ['-s', 'reload', '-c', this.#options.config], { timeout: 30_000 });
    } catch (error) {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `nginx -s reload failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
  }

  async masterPid(): Promise<number | undefined> {
    if (this.#options.pidFile === undefined) return undefined;
    const pid = Number.parseInt((await readFile(this.#options.pidFile, 'utf8').catch(() => '')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  }

  errorTail(): Promise<string> {
    return this.#options.errorLog === undefined ? Promise.resolve('') : tail(this.#options.errorLog);
  }

  async stop(): Promise<void> {}
}
