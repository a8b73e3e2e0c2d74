// `sluice server` as a child process (the built CLI, API on port 0, state in a temp directory) and the
// few API calls the benchmark makes: apply, read a rollout and a service, abort.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repoRoot, 'packages', 'cli', 'bin', 'sluice.js');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface SluiceServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** The last few KB the server printed. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after 15 s. */
  stop(): Promise<void>;
}

export function startSluice(dataDir: string): Promise<SluiceServer> {
  const child = spawn(process.execPath, [bin, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', SLUICE_PROXY_WORKERS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let url: string | undefined;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice server did not print its URL within ${START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      output = (output + d.toString()).slice(-8_000);
      const m = url === undefined ? /listening on (http:\/\/[\d.]+:\d+)/.exec(output) : null;
      if (m?.[1] === undefined) return;
      url = m[1];
      clearTimeout(timer);
      resolvePromise({ url, child, output: () => output, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => reject(error));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sluice server exited (${code ?? signal}):\n${output}`));
    });
  });
}

/** An API error, with the server's code and problems when it sent them. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }

  /** The paths of the problems the server listed (INVALID_SPEC), e.g. "spec.guard". */
  problemText(): string {
    return JSON.stringify((this.body as { error?: { details?: unknown } } | undefined)?.error?.details ?? this.body);
  }
}

async function call<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? text.slice(0, 300);
    throw new ApiError(`${init.method ?? 'GET'} ${path}: ${res.status} ${message}`, res.status, body);
  }
  return body as T;
}

export function apply(base: string, yaml: string, dryRun = false): Promise<unknown> {
  return call(base, `/apply${dryRun ? '?dryRun=true' : ''}`, {
    method: 'POST',
    body: yaml,
    headers: { 'content-type': 'application/yaml', 'x-sluice-actor': 'bench-guardian' },
  });
}

/** The parts of a rollout's status the benchmark reads (the guardian's fields are optional). */
export interface RolloutStatusView {
  readonly phase: string;
  readonly stepIndex: number;
  readonly canaryWeight: number;
  readonly abortCause?: string;
  readonly message?: string;
  readonly hold?: { readonly source: string; readonly reason: string };
  readonly guard?: { readonly startedAt?: number; readonly breaches?: Readonly<Record<string, { readonly action?: string; readonly reason?: string }>> };
}

/**
 * One poller for every run: GET /rollouts every `intervalMs` while a run watches. The proxy shares the
 * control plane's event loop, so per-run polling (10 runs × 10/s) delays the very traffic being measured.
 */
export class RolloutBoard {
  readonly #base: string;
  readonly #intervalMs: number;
  #statuses = new Map<string, RolloutStatusView>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #watchers = 0;
  /** How many polls answered and their total and longest time, to show what watching cost. */
  readonly polls = { count: 0, totalMs: 0, maxMs: 0 };

  constructor(base: string, intervalMs: number) {
    this.#base = base;
    this.#intervalMs = intervalMs;
  }

  /** The status seen by the last poll (undefined before the rollout was first seen). */
  status(rollout: string): RolloutStatusView | undefined {
    return this.#statuses.get(rollout);
  }

  /** Polls while at least one run watches; call the returned function when done watching. */
  watch(): () => void {
    this.#watchers++;
    this.#timer ??= setInterval(() => void this.#poll(), this.#intervalMs);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#watchers === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    const started = performance.now();
    try {
      const list = await call<{ items: { name: string; status: RolloutStatusView }[] }>(this.#base, '/rollouts');
      this.#statuses = new Map(list.items.map((r) => [r.name, r.status]));
      const ms = performance.now() - started;
      this.polls.count++;
      this.polls.totalMs += ms;
      this.polls.maxMs = Math.max(this.polls.maxMs, ms);
    } catch {
      // A missed poll is retried on the next tick.
    } finally {
      this.#polling = false;
    }
  }
}

export interface ServiceTraffic {
  readonly address?: string;
  readonly weight?: number;
  readonly canary?: string;
}

export async function getServiceTraffic(base: string, service: string): Promise<ServiceTraffic | undefined> {
  const view = await call<{ traffic?: ServiceTraffic }>(base, `/services/${encodeURIComponent(service)}`);
  return view.traffic;
}

export function abort(base: string, rollout: string, reason: string): Promise<unknown> {
  return call(base, `/rollouts/${encodeURIComponent(rollout)}/abort`, {
    method: 'POST',
    body: JSON.stringify({ reason }),
    headers: { 'content-type': 'application/json', 'x-sluice-actor': 'bench-guardian' },
  });
}
