import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BuiltinProxy } from '@sluice/proxy';
import type { RunSpec } from '@sluice/domain';
import { trafficGate } from '../../data-plane-gate.js';
import type { DataPlaneGate, WorkloadKey, WorkloadSpec, WorkloadStatus } from '../../runtime.js';
import { ProcessRuntime } from '../process-runtime.js';
import type { ProcessRuntimeOptions } from '../process-runtime.js';

/** The repository root: the nearest ancestor of this file that holds demo/app.js. */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'demo', 'app.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no demo/app.js above ${from}`);
  }
}

export const ROOT = findRepoRoot();
/** The rolling-update fixture app, relative to ROOT (see rolling-app.mjs for its switches). */
export const ROLLING_APP = 'node packages/control-plane/src/runtime/process/testing/rolling-app.mjs';

/** A spec running the fixture app with `env`; `run` fields override the defaults. */
export function appSpec(key: WorkloadKey, replicas: number, env: Record<string, string>, run: Partial<RunSpec> = {}): WorkloadSpec {
  return {
    ...key,
    run: { command: ROLLING_APP, env, replicas, readiness: { path: '/healthz', intervalMs: 30, timeoutMs: 1000 }, gracePeriodMs: 2000, ...run },
  };
}

/** One thing that happened, in the order it happened. */
export interface Happened {
  readonly at: number;
  readonly what: string;
}

/**
 * A process runtime wired like the control plane wires it, with the controller's part played here:
 * each onChange moves the built-in proxy's route to the ready endpoints (after `routeLagMs`, the data
 * plane's propagation delay), and the runtime's data-plane gate asks that proxy. Records the gate's
 * answers ("in-table v1-0.1", "out-of-table v1-0", "drained v1-0"), the fixture's SIGTERM lines
 * ("SIGTERM v1-0"), SIGKILLs ("SIGKILL shop/v1#0") and every ready set.
 */
export class RollingHarness {
  readonly key: WorkloadKey;
  readonly proxy = new BuiltinProxy();
  readonly happened: Happened[] = [];
  readonly lines: string[] = [];
  readonly statuses: WorkloadStatus[] = [];
  runtime!: ProcessRuntime;
  address = '';
  #stateDir = '';
  #routeQueue: Promise<void> = Promise.resolve();
  readonly #ids = new Map<string, string>();

  constructor(key: WorkloadKey) {
    this.key = key;
  }

  async start(options: Partial<ProcessRuntimeOptions> & { readonly routeLagMs?: number } = {}): Promise<this> {
    this.#stateDir = await mkdtemp(join(tmpdir(), 'sluice-rolling-'));
    await this.#route([]);
    this.address = this.proxy.observe(this.key.service).address ?? '';
    this.runtime = new ProcessRuntime({
      stateDir: this.#stateDir,
      cwd: ROOT,
      log: (line) => this.#line(line),
      restartBackoff: { initialMs: 50, maxMs: 200 },
      dataPlane: this.#gate(),
      ...options,
    });
    const lag = options.routeLagMs ?? 0;
    this.runtime.onChange((status) => {
      this.statuses.push(status);
      for (const instance of status.instances) this.#ids.set(instance.endpoint, instance.id);
      this.#note(`ready-set ${status.readyEndpoints.map((e) => this.#ids.get(e) ?? e).join(',')}`);
      const endpoints = [...status.readyEndpoints];
      this.#routeQueue = this.#routeQueue.then(async () => {
        if (lag > 0) await sleep(lag);
        await this.#route(endpoints);
      });
    });
    return this;
  }

  async close(): Promise<void> {
    await this.runtime.close();
    await this.#routeQueue.catch(() => undefined);
    await this.proxy.close();
    await rm(this.#stateDir, { recursive: true, force: true });
  }

  /** Index of the first record matching `what` (exact), or -1. */
  indexOf(what: string): number {
    return this.happened.findIndex((h) => h.what === what);
  }

  at(what: string): number | undefined {
    return this.happened.find((h) => h.what === what)?.at;
  }

  #route(endpoints: readonly string[]): Promise<void> {
    const { service, version } = this.key;
    return this.proxy.upsert({ service, listen: '127.0.0.1:0', stickiness: { cookie: 'c' }, backends: { [version]: [...endpoints] } }, { stable: version, weight: 0, salt: 's' });
  }

  #gate(): DataPlaneGate {
    const polling = trafficGate({ upstreamUse: async (service, endpoint) => this.proxy.upstreamUse(service, endpoint) }, 5);
    const recorded =
      (what: string, wait: DataPlaneGate['awaitInTable']): DataPlaneGate['awaitInTable'] =>
      async (key, endpoint, signal) => {
        await wait(key, endpoint, signal);
        this.#note(`${what} ${this.#idOf(endpoint)}`);
      };
    return {
      awaitInTable: recorded('in-table', polling.awaitInTable),
      awaitOutOfTable: recorded('out-of-table', polling.awaitOutOfTable),
      awaitDrained: recorded('drained', polling.awaitDrained),
    };
  }

  #idOf(endpoint: string): string {
    return this.runtime.status(this.key)?.instances.find((i) => i.endpoint === endpoint)?.id ?? this.#ids.get(endpoint) ?? endpoint;
  }

  #line(line: string): void {
    this.lines.push(line);
    const term = / SIGTERM (\S+) inflight=/.exec(line);
    if (term?.[1] !== undefined) this.#note(`SIGTERM ${term[1]}`);
    const killed = /\] (\S+) did not exit within \d+ms of SIGTERM: killed with SIGKILL/.exec(line);
    if (killed?.[1] !== undefined) this.#note(`SIGKILL ${killed[1]}`);
    if (line.includes('rolling update failed')) this.#note('rollback');
    const late = / request after SIGTERM (\S+)/.exec(line);
    if (late?.[1] !== undefined) this.#note(`late-request ${late[1]}`);
  }

  #note(what: string): void {
    this.happened.push({ at: Date.now(), what });
  }
}

export interface TrafficTally {
  ok: number;
  failed: number;
  resets: number;
  readonly errors: string[];
  /** Versions that answered (x-app-version), with counts. */
  readonly versions: Map<string, number>;
  /** Versions that answered with a status other than 200, with counts. */
  readonly failedVersions: Map<string, number>;
}

/**
 * Sends requests through the proxy at `address` until `stop()`: `workers` loops, half over keep-alive
 * connections and half over a new connection each, every fourth request slow (`?delay=150`), every
 * third a POST with a body (never resent by the proxy). Resolves with the tally once all loops ended.
 */
export function keepTrafficFlowing(address: string, workers = 4): { stop(): Promise<TrafficTally> } {
  const tally: TrafficTally = { ok: 0, failed: 0, resets: 0, errors: [], versions: new Map(), failedVersions: new Map() };
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    const agent = w % 2 === 0 ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
    for (let n = 0; running; n++) {
      const slow = n % 4 === 3;
      const post = n % 3 === 2;
      await once(host, port, agent, { path: slow ? '/work?delay=150' : '/work', method: post ? 'POST' : 'GET', body: post ? 'x'.repeat(512) : undefined }, tally);
    }
    if (agent !== false) agent.destroy();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}

function once(host: string, port: number, agent: http.Agent | false, request: { path: string; method: string; body: string | undefined }, tally: TrafficTally): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: request.path, method: request.method, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const version = String(res.headers['x-app-version'] ?? 'none');
        tally.versions.set(version, (tally.versions.get(version) ?? 0) + 1);
        if (res.statusCode === 200) tally.ok += 1;
        else {
          tally.failed += 1;
          tally.failedVersions.set(version, (tally.failedVersions.get(version) ?? 0) + 1);
          tally.errors.push(`HTTP ${res.statusCode} ${request.method} ${request.path} (${version})`);
        }
        resolve();
      });
      res.on('error', (error: NodeJS.ErrnoException) => {
        record(tally, error);
        resolve();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      record(tally, error);
      resolve();
    });
    req.end(request.body);
  });
}

function record(tally: TrafficTally, error: NodeJS.ErrnoException): void {
  tally.failed += 1;
  if (error.code === 'ECONNRESET' || /socket hang up/.test(error.message)) tally.resets += 1;
  tally.errors.push(`${error.code ?? ''} ${error.message}`);
}
