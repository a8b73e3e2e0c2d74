import type { Clock } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import { MAX_METRIC_SAMPLES_PER_APPEND, type MetricSample, type Store } from '../store/store.js';
import type { TrafficWindows } from './traffic-windows.js';
import { WatchedRollouts } from './watched-rollouts.js';

/** Runs `run` after `delayMs`; the handle cancels it. Tests pass one they step by hand. */
export interface MetricHistoryScheduler {
  schedule(run: () => void, delayMs: number): { cancel(): void };
}

/** Real timers, unref'd: the sampler never keeps a process alive. */
export const TIMER_SCHEDULER: MetricHistoryScheduler = {
  schedule(run, delayMs) {
    const timer = setTimeout(run, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Samples are kept this long (7 days). */
export const METRIC_RETENTION_MS = 7 * 24 * 3_600_000;
/** How often samples past the retention are deleted. */
export const METRIC_PRUNE_EVERY_MS = 3_600_000;
/** Seconds a late pass catches up at most (the windows keep 15 minutes; a stalled store should not make a huge batch). */
export const MAX_CATCH_UP_SECONDS = 60;
/** A pass runs this long after each whole second, so the second before it is complete. */
const PASS_OFFSET_MS = 100;

export interface MetricHistoryOptions {
  readonly store: Pick<Store, 'rollouts' | 'metricSamples'>;
  readonly windows: Pick<TrafficWindows, 'window' | 'series'>;
  readonly clock: Clock;
  readonly scheduler?: MetricHistoryScheduler | undefined;
  readonly log?: Logger | undefined;
}

/** Names the windows use for traffic that is no version's ("_other", "_rejected"): never sampled. */
const isReserved = (version: string) => version.startsWith('_');

/**
 * Writes the per-second metric history the release center charts: every second, for each service
 * with an active rollout (or one that ended less than 10 minutes ago), one sample per version that
 * had traffic or is a rollout's stable or target, read from the proxy's 1-second windows for the
 * last complete second, appended as one batch. A pass that comes late catches up on the seconds it
 * missed (up to a minute). Deletes samples older than 7 days once an hour.
 */
export class MetricHistory {
  readonly #store: MetricHistoryOptions['store'];
  readonly #windows: MetricHistoryOptions['windows'];
  readonly #clock: Clock;
  readonly #scheduler: MetricHistoryScheduler;
  readonly #log: Logger | undefined;
  readonly #watched: WatchedRollouts;
  /** The last second (ms / 1000) written; undefined before the first pass. */
  #lastSecond: number | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #timer: { cancel(): void } | undefined;
  #running: Promise<number> | undefined;
  #stopped = true;

  constructor(options: MetricHistoryOptions) {
    this.#store = options.store;
    this.#windows = options.windows;
    this.#clock = options.clock;
    this.#scheduler = options.scheduler ?? TIMER_SCHEDULER;
    this.#log = options.log;
    this.#watched = new WatchedRollouts(options.store.rollouts);
  }

  /** Starts sampling, one pass just after each whole second. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#scheduleNext();
  }

  /** Stops the timer and waits for a pass in progress; the store may be closed afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#running?.catch(() => 0);
  }

  /** One pass now; answers how many samples it wrote. Passes never overlap. */
  tick(): Promise<number> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const delay = 1000 - (this.#clock.now() % 1000) + PASS_OFFSET_MS;
    this.#timer = this.#scheduler.schedule(() => {
      void this.tick()
        .catch((error: unknown) => this.#log?.warn('metric history pass failed', { error: (error as Error).message }))
        .finally(() => this.#scheduleNext());
    }, delay);
  }

  async #pass(): Promise<number> {
    const now = this.#clock.now();
    const last = Math.floor(now / 1000) - 1;
    const first = Math.max(this.#lastSecond === undefined ? last : this.#lastSecond + 1, last - MAX_CATCH_UP_SECONDS + 1);
    let written = 0;
    if (first <= last) {
      const services = await this.#watched.services(now);
      const samples = this.#read(services, first, last);
      for (let i = 0; i < samples.length; i += MAX_METRIC_SAMPLES_PER_APPEND) {
        written += await this.#store.metricSamples.append(samples.slice(i, i + MAX_METRIC_SAMPLES_PER_APPEND));
      }
      // Only once written: a failed append is retried by the next pass.
      this.#lastSecond = last;
    }
    if (now - this.#lastPrune >= METRIC_PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      await this.#store.metricSamples.prune(now - METRIC_RETENTION_MS);
    }
    return written;
  }

  /** The samples of seconds first..last: O(series) reads of the windows per second. */
  #read(services: ReadonlyMap<string, ReadonlySet<string>>, first: number, last: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const [service, required] of services) {
      const versions = new Set(required);
      for (const key of this.#windows.series(service)) if (!isReserved(key.version)) versions.add(key.version);
      for (let second = first; second <= last; second++) {
        for (const version of versions) {
          const sample = this.#sample(service, version, second);
          if (sample.requests > 0 || required.has(version)) out.push(sample);
        }
      }
    }
    return out;
  }

  #sample(service: string, version: string, second: number): MetricSample {
    const w = this.#windows.window({ service, version, fromMs: second * 1000, toMs: (second + 1) * 1000 });
    // Errors as the guard and the builtin provider count them: every 5xx the client got, the
    // proxy's own failures (502/503/504, failed connections) included.
    const errors = w.byClass['5xx'] ?? 0;
    return { service, version, at: second * 1000, requests: w.requests, errors, p50Ms: w.latencyMs.p50, p99Ms: w.latencyMs.p99 };
  }
}
