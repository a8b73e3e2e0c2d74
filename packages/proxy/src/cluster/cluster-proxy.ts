import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { combineUpstreamUse, ErrorCode, SluiceError, type ErrorCode as Code, type ObservedSplit, type RouteSpec, type TrafficSplit, type UpstreamUse } from '@sluice/domain';
import type { ProxyObservation } from '../observation.js';
import { isWorkerReply, type WorkerCommand, type WorkerReply } from './protocol.js';

export interface ClusterProxyOptions {
  /** Worker processes; default one per core. */
  readonly workers?: number;
  /** Receives every request's observation, batched from the workers. */
  readonly observer?: (observation: ProxyObservation) => void;
  /** How long a new worker may take to start and load the route table. Default 15 s. */
  readonly startTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

type Pending = { resolve: (reply: WorkerReply & { type: 'done' }) => void; reject: (error: Error) => void };
type Distributive<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Member {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Set while the worker drains for a restart: it gets no new commands and is not replaced when it exits. */
  retiring: boolean;
}

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

/**
 * The multi-process data plane: N workers, each a BuiltinProxy, sharing the listening sockets
 * through node:cluster. The primary keeps the full route table and replays it to every new
 * worker, so `restart()` can replace workers one by one — the new one listening before the old one
 * drains — and no connection is refused. A crashed worker is replaced the same way.
 */
export class ClusterProxy {
  readonly #options: ClusterProxyOptions;
  readonly #routes = new Map<string, { route: RouteSpec; split: TrafficSplit }>();
  readonly #members = new Set<Member>();
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: ClusterProxyOptions) {
    this.#options = options;
  }

  /** Forks the workers and resolves once every one is ready. */
  static async start(options: ClusterProxyOptions = {}): Promise<ClusterProxy> {
    if (!cluster.isPrimary) throw new SluiceError(ErrorCode.INTERNAL, 'ClusterProxy must run in the primary process');
    cluster.setupPrimary({
      exec: here.replace(/cluster-proxy\.(ts|js)$/, `proxy-worker.$1`),
      execArgv: fromSource ? ['--import', 'tsx', '--conditions=sluice-source'] : [],
      silent: false,
    });
    const proxy = new ClusterProxy(options);
    const count = Math.max(1, options.workers ?? availableParallelism());
    await Promise.all(Array.from({ length: count }, () => proxy.#spawn()));
    return proxy;
  }

  get workerCount(): number {
    return [...this.#members].filter((m) => !m.retiring).length;
  }

  /** Worker process ids, for tests and diagnostics. */
  get pids(): readonly number[] {
    return [...this.#members].filter((m) => !m.retiring).map((m) => m.worker.process.pid ?? 0);
  }

  upsert(route: RouteSpec, initial: TrafficSplit): Promise<void> {
    return this.#exclusive(async () => {
      await this.#broadcast({ type: 'upsert', route, initial });
      const existing = this.#routes.get(route.service);
      this.#routes.set(route.service, { route, split: existing?.split ?? initial });
    });
  }

  /** Atomic in each worker; resolves when every worker serves it. */
  setSplit(service: string, split: TrafficSplit): Promise<void> {
    return this.#exclusive(async () => {
      await this.#broadcast({ type: 'setSplit', service, split });
      const entry = this.#routes.get(service);
      if (entry) entry.split = split;
    });
  }

  async observe(service: string): Promise<ObservedSplit> {
    const member = [...this.#members].find((m) => !m.retiring);
    if (!member) throw new SluiceError(ErrorCode.ADAPTER_FAILED, 'the proxy cluster has no live worker');
    const reply = await this.#command(member, { type: 'observe', service });
    if (!reply.observed) throw new SluiceError(ErrorCode.INTERNAL, `worker returned no split for "${service}"`);
    return reply.observed;
  }

  /**
   * How the workers stand with `endpoint` of `service`: routed by all, some or none of them (a route
   * change reaches them one by one), and the requests to it in flight in all of them. Workers draining
   * for a restart are not asked. Throws SERVICE_NOT_FOUND.
   */
  async upstreamUse(service: string, endpoint: string): Promise<UpstreamUse> {
    const live = [...this.#members].filter((m) => !m.retiring);
    if (live.length === 0) throw new SluiceError(ErrorCode.ADAPTER_FAILED, 'the proxy cluster has no live worker');
    const replies = await Promise.all(live.map((m) => this.#command(m, { type: 'use', service, endpoint })));
    return combineUpstreamUse(replies.map((r) => r.use ?? { routed: 'none', inflight: 0 }));
  }

  remove(service: string): Promise<void> {
    return this.#exclusive(async () => {
      await this.#broadcast({ type: 'remove', service });
      this.#routes.delete(service);
    });
  }

  /** Replaces every worker, one at a time: the replacement serves before the old one drains. */
  restart(): Promise<void> {
    return this.#exclusive(async () => {
      for (const old of [...this.#members].filter((m) => !m.retiring)) {
        await this.#spawn();
        await this.#retire(old);
      }
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#exclusive(async () => {
      await Promise.all([...this.#members].map((m) => this.#retire(m)));
    });
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #broadcast(command: Distributive<WorkerCommand>): Promise<void> {
    const live = [...this.#members].filter((m) => !m.retiring);
    if (live.length === 0) throw new SluiceError(ErrorCode.ADAPTER_FAILED, 'the proxy cluster has no live worker');
    await Promise.all(live.map((m) => this.#command(m, command)));
  }

  #command(member: Member, command: Distributive<WorkerCommand>): Promise<WorkerReply & { type: 'done' }> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      member.pending.set(id, { resolve, reject });
      member.worker.send({ ...command, id } as WorkerCommand);
    });
  }

  /** Forks a worker, waits for it, and loads the whole route table into it. */
  async #spawn(): Promise<Member> {
    const worker = cluster.fork({ SLUICE_PROXY_OBSERVE: this.#options.observer ? '1' : '0' });
    const member: Member = { worker, pending: new Map(), retiring: false };
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SluiceError(ErrorCode.ADAPTER_FAILED, 'a proxy worker did not start in time')), this.#options.startTimeoutMs ?? 15_000);
      worker.once('exit', (code) => reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `a proxy worker exited while starting (${code})`)));
      worker.on('message', (message: unknown) => {
        if (!isWorkerReply(message)) return;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else this.#onReply(member, message);
      });
    });
    worker.on('exit', (code, signal) => this.#onExit(member, code, signal));
    await ready;
    for (const { route, split } of this.#routes.values()) {
      await this.#command(member, { type: 'upsert', route, initial: split });
      await this.#command(member, { type: 'setSplit', service: route.service, split });
    }
    this.#members.add(member);
    return member;
  }

  async #retire(member: Member): Promise<void> {
    member.retiring = true;
    const exited = new Promise<void>((resolve) => (member.worker.isDead() ? resolve() : member.worker.once('exit', () => resolve())));
    if (!member.worker.isDead()) await this.#command(member, { type: 'drain' }).catch(() => undefined);
    await exited;
    this.#members.delete(member);
  }

  #onReply(member: Member, reply: WorkerReply): void {
    if (reply.type === 'observations') {
      const observer = this.#options.observer;
      if (observer) for (const o of reply.batch) observer(o);
      return;
    }
    if (reply.type !== 'done' && reply.type !== 'failed') return;
    const pending = member.pending.get(reply.id);
    if (!pending) return;
    member.pending.delete(reply.id);
    if (reply.type === 'done') pending.resolve(reply);
    else pending.reject(new SluiceError(reply.code as Code, reply.message));
  }

  #onExit(member: Member, code: number | null, signal: string | null): void {
    for (const p of member.pending.values()) p.reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `proxy worker ${member.worker.process.pid} exited (${signal ?? code})`));
    member.pending.clear();
    const wasLive = this.#members.delete(member) && !member.retiring;
    if (!wasLive || this.#closed) return;
    this.#options.log?.(`proxy worker ${member.worker.process.pid} exited (${signal ?? code}); starting a replacement`);
    void this.#exclusive(() => this.#spawn()).catch((error: unknown) => this.#options.log?.(`replacing a proxy worker failed: ${String(error)}`));
  }
}
