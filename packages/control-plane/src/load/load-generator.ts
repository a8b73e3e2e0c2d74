import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { evaluateCondition, type Clock } from '@sluice/domain';
import { prepareLoad, WeightedPicker, type LoadOptions, type PreparedLoad } from './load-options.js';
import { formatLoadNumber, loadConditionVars, LoadTally, type LoadStats } from './load-stats.js';

export type { LoadOptions } from './load-options.js';
export type { LoadStats } from './load-stats.js';

/** running → finished (every request sent and answered), tripped (stopWhen held) or stopped (stop()). */
export type LoadRunState = 'running' | 'finished' | 'tripped' | 'stopped';

/** A running (or ended) load generator. */
export interface LoadRun {
  readonly state: LoadRunState;
  /** Why it ended, for people ("running" while it runs). */
  readonly reason: string;
  stats(): LoadStats;
  /** Ends it at once: nothing more is sent and requests in flight are cancelled (and not counted). */
  stop(): void;
  /** Resolves with the final totals when it ends; never rejects. */
  readonly done: Promise<LoadStats>;
}

/** The breaker looks at the totals this often, and only after this many completed requests. */
export const BREAKER_INTERVAL_MS = 1000;
export const BREAKER_MIN_REQUESTS = 10;
/**
 * Pacing after the generator fell behind (a stalled event loop): it sends at most one tick's worth of
 * requests per wake-up and wakes every half tick until it has caught up, so the backlog goes out at
 * about twice the rate instead of in one burst. Requests more than MAX_LAG_MS late are skipped.
 */
const TICK_MS = 20;
const MAX_LAG_MS = 1000;

const MONOTONIC: Clock = { now: () => performance.now() };

type Outcome = { readonly kind: 'response'; readonly status: number } | { readonly kind: 'error' } | { readonly kind: 'timeout' };

/**
 * Starts an open-loop HTTP load: request i is due at i / rps seconds whatever the responses do, so a
 * slow target sees the rate it was promised (not fewer requests, as a closed loop would send). Targets
 * are used round-robin; the mix is picked by weight. Throws SluiceError(INVALID_SPEC) for bad inputs or
 * a target outside the allowed hosts (see checkLoadTargets), before anything is sent.
 */
export function startLoad(options: LoadOptions): LoadRun {
  return new LoadGenerator(prepareLoad(options), options.clock ?? MONOTONIC);
}

class LoadGenerator implements LoadRun {
  readonly done: Promise<LoadStats>;
  readonly #load: PreparedLoad;
  readonly #clock: Clock;
  readonly #tally = new LoadTally();
  readonly #agent: Agent;
  readonly #picker: WeightedPicker;
  /** In-flight requests and how to cancel each (its timer and its outcome). */
  readonly #inFlight = new Map<ClientRequest, () => void>();
  readonly #total: number;
  /** Most requests sent per wake-up, and most owed before the oldest are skipped. */
  readonly #maxBurst: number;
  readonly #maxBacklog: number;
  readonly #startedAt: number;
  #resolve: (stats: LoadStats) => void = () => {};
  #state: LoadRunState = 'running';
  #reason = 'running';
  #issued = 0;
  #nextTarget = 0;
  #pacer: NodeJS.Timeout | undefined;
  #breaker: NodeJS.Timeout | undefined;

  constructor(load: PreparedLoad, clock: Clock) {
    this.#load = load;
    this.#clock = clock;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.#agent = new Agent({ keepAlive: true, maxSockets: load.maxInFlight, maxTotalSockets: load.maxInFlight, maxFreeSockets: load.maxInFlight });
    this.#picker = new WeightedPicker(load.requests.map((r) => r.weight));
    this.#total = Math.floor((load.durationMs * load.rps) / 1000);
    this.#maxBurst = Math.max(1, Math.ceil((load.rps * TICK_MS) / 1000));
    this.#maxBacklog = Math.max(this.#maxBurst, Math.ceil((load.rps * MAX_LAG_MS) / 1000));
    this.#startedAt = clock.now();
    if (load.stopWhen) this.#breaker = setInterval(() => this.#checkBreaker(), BREAKER_INTERVAL_MS);
    this.#pace();
  }

  get state(): LoadRunState {
    return this.#state;
  }
  get reason(): string {
    return this.#reason;
  }

  stats(): LoadStats {
    return this.#tally.snapshot(this.#inFlight.size);
  }

  stop(): void {
    if (this.#state === 'running') this.#end('stopped', 'stopped before it finished');
  }

  /** Sends the requests now due (at most #maxBurst), then sleeps until the next is due. */
  #pace(): void {
    this.#pacer = undefined;
    if (this.#state !== 'running') return;
    const elapsed = this.#clock.now() - this.#startedAt;
    const due = Math.min(this.#total, Math.floor((elapsed * this.#load.rps) / 1000 + 1e-9) + 1);
    if (due - this.#issued > this.#maxBacklog) {
      this.#tally.skipped(due - this.#issued - this.#maxBacklog);
      this.#issued = due - this.#maxBacklog;
    }
    const until = Math.min(due, this.#issued + this.#maxBurst);
    while (this.#issued < until && this.#state === 'running') {
      this.#issued += 1;
      this.#fire();
    }
    if (this.#state !== 'running') return;
    if (this.#issued >= this.#total) {
      this.#finishIfIdle();
      return;
    }
    const nextDueMs = (this.#issued * 1000) / this.#load.rps;
    const delay = this.#issued < due ? TICK_MS / 2 : Math.max(0, nextDueMs - elapsed);
    this.#pacer = setTimeout(() => this.#pace(), delay);
  }

  #fire(): void {
    if (this.#inFlight.size >= this.#load.maxInFlight) {
      this.#tally.dropped();
      return;
    }
    const target = this.#load.targets[this.#nextTarget++ % this.#load.targets.length];
    const mix = this.#load.requests[this.#picker.next()];
    if (!target || !mix) return;
    const sentAt = this.#clock.now();
    const req = httpRequest({
      agent: this.#agent,
      hostname: target.hostname,
      port: target.port,
      method: mix.method,
      path: `${target.prefix}${mix.path}`,
      headers: mix.headers,
    });
    this.#tally.sent();
    this.#track(req, sentAt);
    req.end(mix.body);
  }

  /** Wires one request's outcome: the first of response-read, error or timeout counts. */
  #track(req: ClientRequest, sentAt: number): void {
    let settled = false;
    const timer = setTimeout(() => settle({ kind: 'timeout' }), this.#load.timeoutMs);
    const cancel = (): void => {
      settled = true;
      clearTimeout(timer);
    };
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      cancel();
      this.#inFlight.delete(req);
      if (outcome.kind === 'timeout') req.destroy();
      this.#count(outcome, this.#clock.now() - sentAt);
    };
    this.#inFlight.set(req, cancel);
    req.on('error', () => settle({ kind: 'error' }));
    req.on('response', (res: IncomingMessage) => {
      res.on('error', () => settle({ kind: 'error' }));
      res.on('end', () => settle({ kind: 'response', status: res.statusCode ?? 0 }));
      res.on('close', () => {
        if (!res.complete) settle({ kind: 'error' });
      });
      res.resume();
    });
  }

  #count(outcome: Outcome, latencyMs: number): void {
    if (this.#state !== 'running') return;
    if (outcome.kind === 'response') this.#tally.response(outcome.status, latencyMs);
    else if (outcome.kind === 'timeout') this.#tally.timeout(latencyMs);
    else this.#tally.networkError();
    this.#finishIfIdle();
  }

  /** Once every request is sent and answered: a last look by the breaker, then finished. */
  #finishIfIdle(): void {
    if (this.#state !== 'running' || this.#issued < this.#total || this.#inFlight.size > 0) return;
    if (this.#checkBreaker()) return;
    const seconds = formatLoadNumber((this.#clock.now() - this.#startedAt) / 1000);
    this.#end('finished', `sent ${this.#tally.snapshot(0).sent} requests in ${seconds}s`);
  }

  /** True when stopWhen holds (the generator is then tripped). */
  #checkBreaker(): boolean {
    const condition = this.#load.stopWhen;
    if (!condition || this.#state !== 'running') return false;
    const stats = this.stats();
    if (stats.completed < BREAKER_MIN_REQUESTS) return false;
    const vars = loadConditionVars(stats);
    let holds: boolean;
    try {
      holds = evaluateCondition(condition, vars);
    } catch (error) {
      this.#end('tripped', `stopWhen "${condition.text}" could not be evaluated: ${error instanceof Error ? error.message : String(error)}`);
      return true;
    }
    if (!holds) return false;
    const names = ['requests', ...condition.names.filter((n) => n !== 'requests')];
    const values = names.map((n) => `${n} = ${formatLoadNumber(Number(vars[n]))}`).join(', ');
    const seconds = formatLoadNumber((this.#clock.now() - this.#startedAt) / 1000);
    this.#end('tripped', `stopWhen "${condition.text}" held after ${seconds}s (${values})`);
    return true;
  }

  #end(state: Exclude<LoadRunState, 'running'>, reason: string): void {
    this.#state = state;
    this.#reason = reason;
    clearTimeout(this.#pacer);
    clearInterval(this.#breaker);
    for (const [req, cancel] of this.#inFlight) {
      cancel();
      req.destroy();
    }
    this.#inFlight.clear();
    this.#agent.destroy();
    this.#resolve(this.#tally.snapshot(0));
  }
}
