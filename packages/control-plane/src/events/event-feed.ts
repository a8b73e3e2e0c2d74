import type { ReleaseEvent } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';

/** How often the feed reads new events while a stream is open. */
export const EVENT_FEED_POLL_MS = 500;
/** The most event streams one control plane serves at once. */
export const MAX_EVENT_STREAMS = 200;
/** Events read per query; a fuller page is followed at once by the next. */
const PAGE = 1000;

export interface EventFeedOptions {
  readonly pollMs?: number;
  readonly maxStreams?: number;
  readonly log?: Logger | undefined;
}

/** One open stream as the feed sees it: where new events go, and how to end it at shutdown. */
export interface FeedSubscriber {
  deliver(events: readonly ReleaseEvent[]): void;
  close(): void;
}

/**
 * The one reader of new events for every open stream of this control plane: while at least one
 * stream is open it reads `events.list({ afterSeq })` every `pollMs` and hands each new event to
 * every subscriber, so N streams cost one query per interval. It reads the store rather than hooking
 * appends, so events written by other control planes on the same database arrive too (seq order is
 * commit order, so reading after the last seq seen misses nothing).
 */
export class EventFeed {
  readonly #store: Store;
  readonly #pollMs: number;
  readonly #log: Logger | undefined;
  readonly maxStreams: number;
  readonly #subscribers = new Set<FeedSubscriber>();
  #reserved = 0;
  #cursor = 0;
  /** Resolves once the cursor is where the store stood when polling (re)started. */
  #ready: Promise<void> | undefined;
  /** Bumped each time polling stops, so a read in flight from before is dropped. */
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(store: Store, options: EventFeedOptions = {}) {
    this.#store = store;
    this.#pollMs = options.pollMs ?? EVENT_FEED_POLL_MS;
    this.maxStreams = options.maxStreams ?? MAX_EVENT_STREAMS;
    this.#log = options.log;
  }

  /** Streams open or being opened. */
  get streams(): number {
    return this.#reserved;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes one of the `maxStreams` places; undefined when all are taken (or the feed is closed). Call the result once to give it back. */
  reserve(): (() => void) | undefined {
    if (this.#closed || this.#reserved >= this.maxStreams) return undefined;
    this.#reserved++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#reserved--;
    };
  }

  /**
   * Starts delivering new events to `subscriber`. Resolves once the feed's position is known: every
   * event with a seq above what the store holds after this resolves will be delivered.
   */
  async subscribe(subscriber: FeedSubscriber): Promise<() => void> {
    if (this.#closed) {
      subscriber.close();
      return () => undefined;
    }
    this.#subscribers.add(subscriber);
    this.#ready ??= this.#start(this.#generation);
    try {
      await this.#ready;
    } catch (error) {
      this.#unsubscribe(subscriber);
      throw error;
    }
    return () => this.#unsubscribe(subscriber);
  }

  /** Stops polling and ends every open stream. */
  close(): void {
    this.#closed = true;
    this.#stop();
    const open = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of open) s.close();
  }

  #unsubscribe(subscriber: FeedSubscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.#stop();
  }

  #stop(): void {
    this.#generation++;
    this.#ready = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #start(generation: number): Promise<void> {
    try {
      const [newest] = await this.#store.events.list({ order: 'desc', limit: 1 });
      if (generation !== this.#generation) return;
      this.#cursor = newest?.seq ?? 0;
    } catch (error) {
      this.#log?.warn('event feed could not read the newest event', { error: (error as Error).message });
      if (generation === this.#generation) this.#ready = undefined;
      throw error;
    }
    this.#schedule(generation);
  }

  #schedule(generation: number): void {
    if (this.#closed || generation !== this.#generation || this.#subscribers.size === 0) return;
    this.#timer = setTimeout(() => void this.#poll(generation), this.#pollMs);
    this.#timer.unref?.();
  }

  async #poll(generation: number): Promise<void> {
    try {
      for (;;) {
        const page = await this.#store.events.list({ afterSeq: this.#cursor, limit: PAGE });
        if (generation !== this.#generation || page.length === 0) break;
        this.#cursor = page[page.length - 1]?.seq ?? this.#cursor;
        for (const s of this.#subscribers) s.deliver(page);
        if (page.length < PAGE) break;
      }
    } catch (error) {
      this.#log?.warn('event feed could not read new events', { error: (error as Error).message });
    } finally {
      this.#schedule(generation);
    }
  }
}
