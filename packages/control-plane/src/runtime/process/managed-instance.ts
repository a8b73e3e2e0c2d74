import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Clock, RunSpec } from '@sluice/domain';
import type { InstanceState, InstanceStatus, WorkloadSpec } from '../runtime.js';
import { instanceId, specHash, workloadName } from '../spec-hash.js';
import { pickFreePort } from './free-port.js';
import type { InstanceRecord } from './instance-registry.js';
import { LineSplitter } from './line-splitter.js';
import { SHELL, TOKEN_ENV } from './orphan-cleanup.js';
import { signalGroup, stopGroup } from './process-group.js';
import { probeHttp } from './readiness-probe.js';

/** After this long ready, a crash restarts after the initial backoff again instead of the grown one. */
export const HEALTHY_RESET_MS = 10_000;
/** Output lines kept per instance to explain a failure. */
const TAIL_LINES = 5;

export interface InstanceSettings {
  /** Absolute working directory. */
  readonly cwd: string;
  readonly clock: Clock;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Consecutive failed probes that turn a ready instance unready. */
  readonly failureThreshold: number;
}

/** How an instance reports to its runtime. */
export interface InstanceHooks {
  /** State, endpoint or restart count changed. */
  changed(instance: ManagedInstance): void;
  /** A process group started; called before anything else can happen to it. */
  spawned(record: InstanceRecord): void;
  /** A process group is gone (or was sent SIGKILL) and need not be remembered. */
  exited(pgid: number): void;
  log(line: string): void;
}

/** The process currently running for an instance. */
interface RunningProcess {
  readonly child: ChildProcess;
  readonly pgid: number;
  exited: boolean;
  exit?: string;
}

/**
 * One replica slot's process: spawns it, probes it, restarts it with backoff when it crashes, and
 * stops its whole process group. Every timer and callback carries the epoch it was started in; a
 * restart or stop bumps the epoch so late callbacks of an earlier process do nothing.
 */
export class ManagedInstance {
  readonly id: string;
  readonly index: number;
  readonly specHash: string;
  readonly #settings: InstanceSettings;
  readonly #hooks: InstanceHooks;
  readonly #tail: string[] = [];
  #spec: WorkloadSpec;
  #state: InstanceState = 'starting';
  #process: RunningProcess | undefined;
  #port = 0;
  #restarts = 0;
  #exits = 0;
  #lastExit: string | undefined;
  #lastProbe: string | undefined;
  #failures = 0;
  #crashStreak = 0;
  #readySince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #epoch = 0;
  #stopping: Promise<void> | undefined;

  constructor(spec: WorkloadSpec, slot: { index: number; generation: number }, settings: InstanceSettings, hooks: InstanceHooks) {
    this.id = instanceId(spec.version, slot.index, slot.generation);
    this.index = slot.index;
    this.specHash = specHash(spec.run);
    this.#spec = spec;
    this.#settings = settings;
    this.#hooks = hooks;
  }

  get state(): InstanceState {
    return this.#state;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The spec it runs (its readiness and grace period follow `update`). */
  get spec(): WorkloadSpec {
    return this.#spec;
  }

  /** How many times its process exited without being asked to (or failed to start). */
  get exits(): number {
    return this.#exits;
  }

  /** Its last exit, e.g. "code 3" or "signal SIGKILL". */
  get lastExit(): string | undefined {
    return this.#lastExit;
  }

  /** Takes readiness and grace-period changes of a spec with the same hash, without a restart. */
  update(spec: WorkloadSpec): void {
    this.#spec = spec;
  }

  /** Picks a port and spawns the process. Resolves once spawned (not ready). */
  async start(): Promise<void> {
    const epoch = ++this.#epoch;
    let port: number;
    try {
      port = await pickFreePort();
    } catch (error) {
      return this.#crashed(epoch, `no free port: ${String(error)}`);
    }
    if (epoch !== this.#epoch) return;
    this.#port = port;
    this.#state = 'starting';
    this.#failures = 0;
    this.#readySince = undefined;
    this.#spawn(epoch);
    if (epoch === this.#epoch && this.#state === 'starting') {
      this.#hooks.changed(this);
      this.#scheduleProbe(epoch);
    }
  }

  /**
   * Takes the instance out of service (state "stopping": not ready, no more probes or restarts), runs
   * `before` (leaving the data plane, draining), then SIGTERM to the group and SIGKILL after the grace
   * period; resolves when it is gone. Idempotent: a second call joins the first.
   */
  stop(before?: () => Promise<void>): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#epoch += 1;
    clearTimeout(this.#timer);
    this.#state = 'stopping';
    this.#readySince = undefined;
    this.#stopping = (async () => {
      await before?.().catch((error: unknown) => this.#hooks.log(`[runtime] ${this.#name()} (${this.id}): leaving service failed: ${String(error)}`));
      // It may have exited on its own meanwhile (a crash no longer restarts it); its group may not have.
      const running = this.#process;
      if (running !== undefined) {
        const graceMs = this.#spec.run.gracePeriodMs;
        const outcome = await stopGroup(running.pgid, { graceMs, leaderExited: () => running.exited });
        if (outcome !== 'exited') {
          const what = outcome === 'killed' ? 'killed with SIGKILL' : 'still present after SIGKILL';
          this.#hooks.log(`[runtime] ${this.#name()} did not exit within ${graceMs}ms of SIGTERM: ${what}`);
        }
        this.#lastExit = running.exit ?? this.#lastExit;
        this.#hooks.exited(running.pgid);
      }
      this.#process = undefined;
      this.#state = 'stopped';
      this.#hooks.changed(this);
    })();
    this.#hooks.changed(this);
    return this.#stopping;
  }

  /** Best-effort SIGTERM to the group, for when the control plane exits without close(). */
  signalExit(): void {
    if (this.#process !== undefined && !this.#process.exited) signalGroup(this.#process.pgid, 'SIGTERM');
  }

  snapshot(): InstanceStatus {
    return {
      id: this.id,
      ...(this.#process === undefined ? {} : { pid: this.#process.pgid }),
      endpoint: this.endpoint,
      state: this.#state,
      restarts: this.#restarts,
      ...(this.#lastExit === undefined ? {} : { lastExit: this.#lastExit }),
    };
  }

  /** The last probe result and output line, for error messages. */
  explain(): string | undefined {
    const facts = [
      this.#lastProbe === undefined ? undefined : `last probe ${this.#lastProbe}`,
      this.#tail.length === 0 ? undefined : `last output ${JSON.stringify(this.#tail.at(-1)?.slice(0, 200))}`,
    ].filter((f) => f !== undefined);
    return facts.length > 0 ? facts.join(', ') : undefined;
  }

  #spawn(epoch: number): void {
    const { service, version, run } = this.#spec;
    const token = randomBytes(12).toString('hex');
    const env = {
      ...process.env,
      ...run.env,
      PORT: String(this.#port),
      SLUICE_SERVICE: service,
      SLUICE_VERSION: version,
      SLUICE_INSTANCE: this.id,
      [TOKEN_ENV]: token,
    };
    let child: ChildProcess;
    try {
      // detached: the shell leads a new process group, so stopping signals the app behind it too.
      child = spawn(SHELL, ['-c', commandOf(run)], { cwd: this.#settings.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return this.#crashed(epoch, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
    }
    // `on`, not `once`: a second 'error' without a listener would crash the control plane.
    child.on('error', (error) => this.#crashed(epoch, `failed to start: ${error.message}`));
    if (child.pid === undefined) return; // 'error' follows
    const running: RunningProcess = { child, pgid: child.pid, exited: false };
    this.#process = running;
    this.#hooks.spawned(this.#record(running, token));
    this.#forward(child);
    child.once('exit', (code, signal) => {
      running.exited = true;
      running.exit = signal === null ? `code ${code ?? '?'}` : `signal ${signal}`;
      this.#crashed(epoch, running.exit);
    });
  }

  #record(running: RunningProcess, token: string): InstanceRecord {
    const { service, version, run } = this.#spec;
    return {
      service,
      version,
      instance: this.id,
      pid: running.pgid,
      pgid: running.pgid,
      command: commandOf(run),
      token,
      specHash: this.specHash,
      port: this.#port,
      startedAt: this.#settings.clock.now(),
      gracePeriodMs: run.gracePeriodMs,
    };
  }

  #forward(child: ChildProcess): void {
    const prefix = `[${this.#name()}]`;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      const lines = new LineSplitter((line) => {
        this.#tail.push(line);
        if (this.#tail.length > TAIL_LINES) this.#tail.shift();
        this.#hooks.log(`${prefix} ${line}`);
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => lines.push(chunk));
      stream.on('end', () => lines.end());
      stream.on('error', () => lines.end());
    }
  }

  /** The process exited (or never started) while nobody asked it to stop. */
  #crashed(epoch: number, how: string): void {
    if (epoch !== this.#epoch || this.#stopping !== undefined) return;
    this.#epoch += 1;
    clearTimeout(this.#timer);
    const running = this.#process;
    this.#process = undefined;
    if (running !== undefined) {
      // Whatever the shell left behind (a backgrounded child, a half-dead app) goes with it.
      signalGroup(running.pgid, 'SIGKILL');
      this.#hooks.exited(running.pgid);
    }
    const healthyFor = this.#readySince === undefined ? 0 : this.#settings.clock.now() - this.#readySince;
    if (healthyFor >= HEALTHY_RESET_MS) this.#crashStreak = 0;
    this.#exits += 1;
    const { initialMs, maxMs } = this.#settings.backoff;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.#crashStreak, 30));
    this.#crashStreak += 1;
    this.#lastExit = how;
    this.#state = 'crashed';
    this.#readySince = undefined;
    this.#hooks.log(`[runtime] ${this.#name()} exited unexpectedly (${how}); restarting in ${delay}ms`);
    const restartEpoch = this.#epoch;
    this.#timer = setTimeout(() => {
      if (restartEpoch !== this.#epoch) return;
      this.#restarts += 1;
      void this.start();
    }, delay);
    this.#hooks.changed(this);
  }

  #scheduleProbe(epoch: number): void {
    this.#timer = setTimeout(() => void this.#probe(epoch), this.#spec.run.readiness.intervalMs);
  }

  async #probe(epoch: number): Promise<void> {
    const { path, timeoutMs } = this.#spec.run.readiness;
    const result = await probeHttp(this.#port, path, timeoutMs);
    if (epoch !== this.#epoch) return;
    this.#lastProbe = result.detail;
    const before = this.#state;
    if (result.ok) {
      this.#failures = 0;
      if (before !== 'ready') {
        this.#state = 'ready';
        this.#readySince = this.#settings.clock.now();
      }
    } else if (before !== 'starting') {
      this.#failures += 1;
      if (before === 'ready' && this.#failures >= this.#settings.failureThreshold) {
        this.#state = 'unready';
        this.#readySince = undefined;
        this.#hooks.log(`[runtime] ${this.#name()} is unready: ${this.#failures} probes of ${path} failed, last ${result.detail}`);
      }
    }
    if (this.#state !== before) this.#hooks.changed(this);
    // The hook may have stopped this instance (a replaced spec); then the epoch moved on.
    if (epoch === this.#epoch) this.#scheduleProbe(epoch);
  }

  #name(): string {
    return `${workloadName(this.#spec)}#${this.index}`;
  }
}

/** The run's command: validateWorkloadSpec refused a run without one before any instance exists. */
function commandOf(run: RunSpec): string {
  return run.command ?? '';
}
