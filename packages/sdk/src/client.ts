/**
 * SluiceClient: local flag evaluation for Node and browsers. It keeps the environment's flag
 * definitions current (event stream, or polling), evaluates them in-process with the domain's
 * evaluator, and reports evaluation counts and tracked events back to the server.
 */
import { DISABLED_VARIANT_NAME, applyDeltaEvents, type EvaluateOptions, type FlagContext, type FlagState } from '@sluice/domain';
import { isFlagState } from './cache.js';
import { changedFlags } from './diff.js';
import { Emitter } from './emitter.js';
import type { SluiceError } from './errors.js';
import { createEvaluator, liveOptions, type Evaluator } from './evaluator.js';
import { type Endpoint, postJson } from './http.js';
import { type ClientEvaluation, type ClientEvents, type ClientState, type ClientVariant, DEFAULTS, type SluiceClientOptions, type StateSource } from './options.js';
import { type FlagSource, PollSource, type SourceSink, StreamSource } from './sources.js';
import { EventQueue, MetricsBucket, invalidEvent } from './telemetry.js';
import { type Clock, type Timers, randomId, systemClock, systemTimers } from './timers.js';

const EMPTY_STATE: FlagState = { features: [], segments: [] };
const NOT_READY: ClientEvaluation = {
  enabled: false,
  variant: { name: DISABLED_VARIANT_NAME, enabled: false, featureEnabled: false },
  reason: 'ERROR',
  errorCode: 'PROVIDER_NOT_READY',
  errorMessage: 'the Sluice client has no flags yet (not started, or the server has not answered)',
};

export class SluiceClient extends Emitter<ClientEvents> {
  /** A random id for this client, the track() key when the context has neither userId nor sessionId. */
  readonly sessionId = randomId();
  readonly #options: SluiceClientOptions;
  readonly #endpoint: Endpoint;
  readonly #timers: Timers;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #evaluateOptions: EvaluateOptions;
  readonly #baseContext: FlagContext;
  readonly #instanceId: string;
  readonly #bucket: MetricsBucket;
  readonly #queue = new EventQueue();
  #flags: FlagState | undefined;
  #evaluator: Evaluator | undefined;
  #seq: number | undefined;
  #source: StateSource | undefined;
  #readyEmitted = false;
  #failing = false;
  #closed = false;
  #started: Promise<void> | undefined;
  #settleStart: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #feed: FlagSource | undefined;
  #metricsTimer: unknown;
  #closing: Promise<void> | undefined;

  constructor(options: SluiceClientOptions) {
    super();
    this.#options = options;
    this.#endpoint = { url: options.url, environment: options.environment, token: options.token, fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)) };
    this.#timers = options.timers ?? systemTimers;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#evaluateOptions = liveOptions(() => this.#clock.now(), this.#random);
    this.#baseContext = { appName: options.appName, environment: options.environment, ...options.context };
    this.#instanceId = options.instanceId ?? randomId();
    this.#bucket = new MetricsBucket(this.#clock.now());
    if (options.bootstrap && isFlagState(options.bootstrap)) this.#swap(options.bootstrap, 'bootstrap', undefined);
  }

  /** Live view of the state: ready, seq, source, and the flag definitions themselves. */
  get state(): ClientState {
    const self = this;
    return {
      get ready() {
        return self.#flags !== undefined;
      },
      get seq() {
        return self.#seq;
      },
      get source() {
        return self.#source;
      },
      get flags() {
        return self.#flags;
      },
    };
  }

  get ready(): boolean {
    return this.#flags !== undefined;
  }

  /**
   * Connects and resolves once the client has flags (from bootstrap, cache, or the server's first
   * snapshot, whichever comes first). Rejects on a fatal error (401, unknown environment) before
   * then, or if closed first; the client keeps retrying (slowly) after a rejection.
   */
  start(): Promise<void> {
    this.#started ??= new Promise<void>((resolve, reject) => {
      this.#settleStart = { resolve, reject };
      void this.#begin();
    });
    return this.#started;
  }

  async #begin(): Promise<void> {
    if (this.#closed) return this.#rejectStart(new Error('the Sluice client is closed'));
    if (this.#flags) this.#markReady();
    this.#feed = this.#createSource(this.#options.stream !== false);
    this.#feed.start();
    this.#scheduleMetrics();
    if (this.#options.cache && !this.#options.bootstrap) await this.#loadCache();
  }

  async #loadCache(): Promise<void> {
    try {
      const cached = await this.#options.cache?.load();
      if (cached && isFlagState(cached) && !this.#flags && !this.#closed) this.#swap(cached, 'cache', undefined);
    } catch {
      // an unreadable cache is no cache
    }
  }

  #createSource(stream: boolean): FlagSource {
    const o = this.#options;
    const sink: SourceSink = {
      onEvents: (events, eventId) => {
        const result = applyDeltaEvents(this.#source === 'server' ? (this.#flags ?? EMPTY_STATE) : EMPTY_STATE, events);
        // Deltas without a hydration only make sense on top of server state; a resumed stream always has it.
        this.#swap(result.state, 'server', eventId ?? result.lastEventId ?? this.#seq);
      },
      onSnapshot: (state, seq) => this.#swap(state, 'server', seq),
      onHealthy: () => {
        if (!this.#failing) return;
        this.#failing = false;
        this.emit('recovered', undefined);
      },
      onError: (error) => this.#fail(error),
      onStreamUnavailable: () => {
        if (this.#closed) return;
        this.#feed?.close();
        this.#feed = this.#createSource(false);
        this.#feed.start();
      },
    };
    const timing = {
      timers: this.#timers,
      random: this.#random,
      minDelayMs: o.retry?.minDelayMs ?? DEFAULTS.minDelayMs,
      maxDelayMs: o.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs,
      fatalDelayMs: o.retry?.fatalDelayMs ?? DEFAULTS.fatalDelayMs,
      idleTimeoutMs: o.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      refreshIntervalMs: o.refreshIntervalMs ?? DEFAULTS.refreshIntervalMs,
    };
    return stream ? new StreamSource(this.#endpoint, sink, timing) : new PollSource(this.#endpoint, sink, timing);
  }

  #swap(next: FlagState, source: StateSource, seq: number | undefined): void {
    const previous = this.#flags;
    const changed = previous ? changedFlags(previous, next) : [];
    // A state equal to the current one from the same kind of source changes nothing.
    if (previous && changed.length === 0 && source === this.#source && seq === this.#seq) return;
    this.#flags = next;
    this.#evaluator = changed.length > 0 || !previous ? createEvaluator(next, this.#evaluateOptions) : this.#evaluator;
    this.#seq = seq;
    this.#source = source;
    if (source === 'server') this.#save(next);
    if (changed.length > 0) this.emit('changed', changed);
    if (this.#started) this.#markReady();
  }

  #save(state: FlagState): void {
    try {
      const pending = this.#options.cache?.save(state);
      if (pending) pending.catch(() => undefined);
    } catch {
      // best effort
    }
  }

  #markReady(): void {
    if (this.#readyEmitted || !this.#source) return;
    this.#readyEmitted = true;
    this.#settleStart?.resolve();
    this.emit('ready', { source: this.#source });
  }

  #rejectStart(error: Error): void {
    if (this.#readyEmitted || !this.#settleStart) return;
    const { reject } = this.#settleStart;
    this.#settleStart = undefined;
    reject(error);
  }

  #fail(error: SluiceError): void {
    if (error.code !== 'INVALID_EVENT' && error.code !== 'REJECTED') this.#failing = true;
    if (error.fatal) this.#rejectStart(error);
    // An 'error' with no listener must not crash a process (unlike node:events).
    this.emit('error', error);
  }

  #context(context: FlagContext | undefined): FlagContext {
    const base = this.#baseContext;
    if (!context) return base;
    const properties = base.properties && context.properties ? { ...base.properties, ...context.properties } : (context.properties ?? base.properties);
    return properties ? { ...base, ...context, properties } : { ...base, ...context };
  }

  #evaluate(name: string, context: FlagContext | undefined): ClientEvaluation {
    const evaluator = this.#evaluator;
    if (!evaluator) return NOT_READY;
    try {
      return evaluator.evaluate(name, this.#context(context));
    } catch (error) {
      // the evaluator never throws; a throwing clock or a hostile context getter might
      return { ...NOT_READY, errorCode: 'GENERAL', errorMessage: error instanceof Error ? error.message : String(error) };
    }
  }

  #count(name: string, result: ClientEvaluation, variant: boolean): void {
    if (result.errorCode === 'FLAG_NOT_FOUND' || result.errorCode === 'PROVIDER_NOT_READY') return;
    this.#bucket.count(name, result.enabled, variant ? result.variant.name : undefined);
  }

  /** Is the flag on for this context? `fallback` when the flag is missing, malformed, or the client is not ready. Never throws. */
  isEnabled(name: string, context?: FlagContext, fallback = false): boolean {
    const result = this.#evaluate(name, context);
    this.#count(name, result, false);
    return result.reason === 'ERROR' && !result.enabled ? fallback : result.enabled;
  }

  /** The variant for this context (`disabled` when the flag is off, missing or the client is not ready). Never throws. */
  variant(name: string, context?: FlagContext): ClientVariant {
    const result = this.#evaluate(name, context);
    this.#count(name, result, true);
    const { name: variantName, enabled, featureEnabled, payload } = result.variant;
    const base = { name: variantName, enabled, featureEnabled };
    if (!payload) return base;
    return result.value === undefined ? { ...base, payload } : { ...base, payload, value: result.value };
  }

  /** The full evaluation: enabled, typed value, variant, reason and any error code. Never throws. */
  evaluate(name: string, context?: FlagContext): ClientEvaluation {
    const result = this.#evaluate(name, context);
    this.#count(name, result, true);
    return result;
  }

  /**
   * Records an experiment event for the context's user (userId, else sessionId, else this client's
   * sessionId). Queued; sent with the metrics, or at once when 100 are queued. Never throws: an
   * invalid event is dropped and reported as an `error` with code INVALID_EVENT.
   */
  track(event: string, value?: number, context?: FlagContext): void {
    if (this.#closed) return;
    const merged = this.#context(context);
    const key = String(merged.userId ?? merged.sessionId ?? this.sessionId);
    const problem = invalidEvent(event, key, value);
    if (problem) return this.#fail(problem);
    const at = this.#clock.now();
    this.#queue.push(value === undefined ? { key, event, at } : { key, event, value, at });
    if (this.#queue.size >= DEFAULTS.trackBatchSize) void this.#flushEvents();
  }

  /** Sends the evaluation counts and queued events now. Never rejects: failures are `error` events. */
  async flush(): Promise<void> {
    await Promise.all([this.#flushMetrics(), this.#flushEvents()]);
  }

  async #flushMetrics(): Promise<void> {
    const base = { environment: this.#options.environment, appName: this.#options.appName, instanceId: this.#instanceId };
    const payload = this.#bucket.drain(this.#clock.now(), base);
    if (!payload) return;
    try {
      await postJson(this.#endpoint, 'metrics', payload);
    } catch (error) {
      this.#fail(error as SluiceError); // counts are dropped: metrics are a sample, not a ledger
    }
  }

  async #flushEvents(): Promise<void> {
    for (const batch of this.#queue.takeBatches()) {
      try {
        await postJson(this.#endpoint, 'events', { events: batch });
      } catch (error) {
        const e = error as SluiceError;
        if (e.code === 'NETWORK') this.#queue.requeue(batch);
        this.#fail(e);
      }
    }
  }

  #scheduleMetrics(): void {
    const interval = this.#options.metricsIntervalMs ?? DEFAULTS.metricsIntervalMs;
    if (interval <= 0 || this.#closed) return;
    this.#metricsTimer = this.#timers.setTimeout(() => {
      this.#metricsTimer = undefined;
      void this.flush().finally(() => this.#scheduleMetrics());
    }, interval);
  }

  /** Stops the stream and the timers, then sends what is left. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#feed?.close();
    if (this.#metricsTimer !== undefined) this.#timers.clearTimeout(this.#metricsTimer);
    this.#metricsTimer = undefined;
    this.#rejectStart(new Error('the Sluice client was closed before it was ready'));
    await this.flush();
  }
}
