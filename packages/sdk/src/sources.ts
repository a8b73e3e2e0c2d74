/**
 * Where flag state comes from: the server's event stream (reconnecting with backoff and
 * Last-Event-ID) or, with `stream: false`, polling the state endpoint (with ETag).
 */
import type { FlagState } from '@sluice/domain';
import { isFlagState } from './cache.js';
import { SluiceError, errorForStatus, networkError } from './errors.js';
import { type Endpoint, endpointUrl, headers } from './http.js';
import { DIRECT_BODY, SseParser, readResponseEvents, type SseMessage } from './sse.js';
import { type Timers, backoffDelay } from './timers.js';

export interface SourceSink {
  /** Delta events, in order (an `unleash-connected` message carries a hydration). */
  onEvents(events: readonly unknown[], eventId: number | undefined): void;
  /** A full snapshot (polling). */
  onSnapshot(state: FlagState, seq: number | undefined): void;
  /** The source works (a stream message arrived, or a poll succeeded). */
  onHealthy(): void;
  onError(error: SluiceError): void;
  /** The server has no stream (409 or 501 on the stream endpoint): switch to polling. */
  onStreamUnavailable(): void;
}

export interface SourceTiming {
  readonly timers: Timers;
  readonly random: () => number;
  /** First reconnect delay (the server's `retry:` replaces it). */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Delay before retrying after 401/403/400/404. */
  readonly fatalDelayMs: number;
  /** A stream silent for this long (no data, no ping) is dropped and reconnected. */
  readonly idleTimeoutMs: number;
  /** Polling interval. */
  readonly refreshIntervalMs: number;
}

export interface FlagSource {
  start(): void;
  close(): void;
}

function parseEventId(id: string): number | undefined {
  const n = Number(id);
  return id !== '' && Number.isSafeInteger(n) ? n : undefined;
}

/** Base for both sources: one pending timer, one in-flight request, closed for good by close(). */
abstract class TimedSource implements FlagSource {
  protected closed = false;
  protected abort: AbortController | undefined;
  #timer: unknown;

  constructor(
    protected readonly endpoint: Endpoint,
    protected readonly sink: SourceSink,
    protected readonly timing: SourceTiming,
  ) {}

  start(): void {
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
    this.abort = undefined;
    if (this.#timer !== undefined) this.timing.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  protected schedule(ms: number): void {
    if (this.closed) return;
    if (this.#timer !== undefined) this.timing.timers.clearTimeout(this.#timer);
    this.#timer = this.timing.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.run();
    }, ms);
  }

  /** Fetches, returning the response, or undefined after reporting the failure and scheduling a retry. */
  protected async request(url: string, extra: Record<string, string>, retryMs: () => number): Promise<Response | undefined> {
    const controller = new AbortController();
    this.abort = controller;
    let response: Response;
    try {
      response = await this.endpoint.fetch(url, { headers: headers(this.endpoint, extra), signal: controller.signal });
    } catch (error) {
      if (this.closed) return undefined;
      this.sink.onError(networkError(`GET ${url}`, error));
      this.schedule(retryMs());
      return undefined;
    }
    if (this.closed) {
      controller.abort();
      return undefined;
    }
    if (response.ok || response.status === 304) return response;
    await response.body?.cancel().catch(() => undefined);
    if (this.unsupported(response.status)) return undefined;
    const error = errorForStatus(response.status, `GET ${url}`);
    this.sink.onError(error);
    this.schedule(error.fatal ? this.timing.fatalDelayMs : retryMs());
    return undefined;
  }

  /** Handles a status that means "not here": true when handled (no error, no retry). */
  protected unsupported(_status: number): boolean {
    return false;
  }

  protected abstract run(): Promise<void>;
}

/** The event stream: `unleash-connected` (hydration) then `unleash-updated` deltas. */
export class StreamSource extends TimedSource {
  #attempt = 0;
  #lastEventId = '';
  #baseDelayMs = this.timing.minDelayMs;
  #idle: unknown;
  /** Data arrived since the idle watchdog last looked (a flag, so a message costs no timer). */
  #heard = false;

  protected async run(): Promise<void> {
    if (this.closed) return;
    const extra: Record<string, string> = { accept: 'text/event-stream' };
    if (this.#lastEventId) extra['last-event-id'] = this.#lastEventId;
    const response = await this.request(endpointUrl(this.endpoint, 'stream'), extra, () => this.#nextDelay());
    if (!response) return;
    const controller = this.abort;
    const type = response.headers.get('content-type') ?? '';
    const direct = DIRECT_BODY in response;
    if ((!response.body && !direct) || !type.includes('text/event-stream')) {
      // e.g. a proxy's HTML page with 200: not the stream, and silence would hide it
      await response.body?.cancel().catch(() => undefined);
      this.sink.onError(new SluiceError('PARSE', `stream response is ${type || 'empty'}, not text/event-stream`));
      this.schedule(this.#nextDelay());
      return;
    }
    const parser = new SseParser({
      onMessage: (message) => this.#message(message, parser),
      onRetry: (ms) => {
        this.#baseDelayMs = Math.min(Math.max(ms, 1), this.timing.maxDelayMs);
      },
    });
    this.#armIdle(controller);
    try {
      await readResponseEvents(response, parser, () => (this.#heard = true));
    } catch {
      // a dropped connection (or our own abort): reconnect below
    }
    this.#clearIdle();
    if (this.closed) return;
    this.schedule(this.#nextDelay());
  }

  protected override unsupported(status: number): boolean {
    if (status !== 409 && status !== 501) return false;
    this.sink.onStreamUnavailable();
    return true;
  }

  #nextDelay(): number {
    return backoffDelay(this.#attempt++, this.#baseDelayMs, this.timing.maxDelayMs, this.timing.random);
  }

  #message(message: SseMessage, parser: SseParser): void {
    if (this.closed || (message.event !== 'unleash-connected' && message.event !== 'unleash-updated')) return;
    let events: unknown;
    try {
      events = (JSON.parse(message.data) as { events?: unknown } | null)?.events;
    } catch {
      events = undefined;
    }
    if (!Array.isArray(events)) {
      // A lost update would leave the state wrong: drop the stream and resume from a full hydration.
      this.sink.onError(new SluiceError('PARSE', `${message.event}: data is not {"events":[...]}`));
      this.#lastEventId = '';
      this.abort?.abort();
      return;
    }
    this.#attempt = 0;
    this.#lastEventId = parser.lastEventId;
    this.sink.onHealthy();
    this.sink.onEvents(events, parseEventId(message.lastEventId));
  }

  /**
   * The idle watchdog: it looks every idleTimeoutMs and drops a stream that sent nothing (no data, no
   * ping) since it last looked, so a silent stream goes within one to two intervals.
   */
  #armIdle(controller: AbortController | undefined): void {
    this.#clearIdle();
    if (this.timing.idleTimeoutMs <= 0 || !controller) return;
    this.#heard = false;
    this.#idle = this.timing.timers.setTimeout(() => {
      this.#idle = undefined;
      if (this.#heard) this.#armIdle(controller);
      else controller.abort();
    }, this.timing.idleTimeoutMs);
  }

  #clearIdle(): void {
    if (this.#idle !== undefined) this.timing.timers.clearTimeout(this.#idle);
    this.#idle = undefined;
  }

  override close(): void {
    this.#clearIdle();
    super.close();
  }
}

/** Polling: GET the state every refreshIntervalMs, with If-None-Match. */
export class PollSource extends TimedSource {
  #etag: string | undefined;
  #attempt = 0;

  protected async run(): Promise<void> {
    if (this.closed) return;
    const extra: Record<string, string> = { accept: 'application/json' };
    if (this.#etag) extra['if-none-match'] = this.#etag;
    const retry = (): number => Math.max(this.timing.refreshIntervalMs, backoffDelay(this.#attempt++, this.timing.minDelayMs, this.timing.maxDelayMs, this.timing.random));
    const response = await this.request(endpointUrl(this.endpoint, 'state'), extra, retry);
    if (!response) return;
    if (response.status !== 304) {
      const body = await this.#readState(response);
      if (this.closed) return;
      if (!body) {
        this.schedule(retry());
        return;
      }
      this.#etag = response.headers.get('etag') ?? undefined;
      this.#attempt = 0;
      this.sink.onHealthy();
      this.sink.onSnapshot({ features: body.features, segments: body.segments ?? [] }, typeof body.seq === 'number' ? body.seq : undefined);
    } else {
      this.#attempt = 0;
      this.sink.onHealthy();
    }
    this.schedule(this.timing.refreshIntervalMs);
  }

  async #readState(response: Response): Promise<(FlagState & { seq?: unknown }) | undefined> {
    try {
      const body: unknown = await response.json();
      if (isFlagState(body)) return body;
      this.sink.onError(new SluiceError('PARSE', 'state response is not {"features":[...],"segments":[...]}'));
    } catch (error) {
      if (!this.closed) this.sink.onError(new SluiceError('PARSE', `state response: ${error instanceof Error ? error.message : String(error)}`));
    }
    return undefined;
  }
}
