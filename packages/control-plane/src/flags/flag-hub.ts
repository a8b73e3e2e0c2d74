import { toSegmentDefinitions, type FlagRevision, type SegmentDefinition } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';

/** What changed since the last notice: flag versions (oldest first) and, when they changed, all segments. */
export interface FlagNotice {
  readonly revisions: readonly FlagRevision[];
  readonly segments?: readonly SegmentDefinition[];
  /** The seq of the newest revision the hub has seen. */
  readonly seq: number;
}

export type FlagListener = (notice: FlagNotice) => void;

export interface FlagHubOptions {
  /** How often the store is read for changes written by other processes (default 1 s). */
  readonly pollMs?: number;
  readonly log?: Logger;
}

/**
 * Tells streams what changed. A write in this process calls `notify()` after it commits, so its
 * change reaches every subscriber at once; writes by other control-plane processes on the same
 * database are found by reading `changesSince` every `pollMs`. Changes are read, in order, by one
 * loop, so subscribers see each version once and in seq order.
 */
export class FlagHub {
  readonly #store: Store;
  readonly #pollMs: number;
  readonly #log: Logger | undefined;
  readonly #listeners = new Set<FlagListener>();
  #seq = 0;
  #segmentsKey = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;
  #closed = false;

  constructor(store: Store, options: FlagHubOptions = {}) {
    this.#store = store;
    this.#pollMs = options.pollMs ?? 1000;
    this.#log = options.log;
  }

  /** Reads where the history stands now; later versions are announced. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#seq = await this.#store.flags.latestSeq();
    this.#segmentsKey = JSON.stringify(toSegmentDefinitions(await this.#store.segments.list()));
    this.#schedule();
  }

  get seq(): number {
    return this.#seq;
  }

  subscribe(listener: FlagListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Something was written: look now (and resolve once the subscribers have been told). */
  notify(): Promise<void> {
    if (this.#closed || !this.#started) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#check().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.notify();
      }
    });
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.notify().finally(() => this.#schedule()), this.#pollMs);
    this.#timer.unref?.();
  }

  async #check(): Promise<void> {
    try {
      const revisions = await this.#store.flags.changesSince(this.#seq, 10_000);
      const segments = toSegmentDefinitions(await this.#store.segments.list());
      const key = JSON.stringify(segments);
      const segmentsChanged = key !== this.#segmentsKey;
      this.#segmentsKey = key;
      if (revisions.length === 0 && !segmentsChanged) return;
      this.#seq = revisions.at(-1)?.seq ?? this.#seq;
      const notice: FlagNotice = { revisions, seq: this.#seq, ...(segmentsChanged ? { segments } : {}) };
      for (const listener of this.#listeners) listener(notice);
    } catch (error) {
      this.#log?.warn('flag changes could not be read', { error: (error as Error).message });
    }
  }
}
