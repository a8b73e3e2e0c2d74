import type { KubeClient, KubeCollection, KubeObject, KubeWatchEvent } from './kube-client.js';
import { KubeWatchExpiredError } from './kube-client.js';

/** What an ObjectWatch tells its owner. */
export interface ObjectWatchHandlers {
  /** A (re)list: every object matching the selector now (objects not in it are gone). */
  onSync(objects: readonly KubeObject[]): void;
  onEvent(event: KubeWatchEvent): void;
  /** A failed list or watch (retried with backoff). */
  onError(error: unknown): void;
}

/**
 * Keeps a view of one collection current without polling: list once, then watch from the list's
 * resourceVersion; a stream the server ends is resumed from the last resourceVersion seen, and a
 * 410 Gone (history compacted) starts over with a fresh list.
 */
export class ObjectWatch {
  readonly #api: Pick<KubeClient, 'list' | 'watch'>;
  readonly #collection: KubeCollection;
  readonly #selector: string;
  readonly #handlers: ObjectWatchHandlers;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #synced: Promise<void>;
  #markSynced: () => void = () => undefined;
  /** How many times the watch started over with a list (tests read it to see 410 handling). */
  relists = 0;

  constructor(api: Pick<KubeClient, 'list' | 'watch'>, collection: KubeCollection, selector: string, handlers: ObjectWatchHandlers) {
    this.#api = api;
    this.#collection = collection;
    this.#selector = selector;
    this.#handlers = handlers;
    this.#synced = new Promise((resolve) => (this.#markSynced = resolve));
  }

  /** Starts the loop (once); resolves after the first list. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#synced;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#markSynced();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const listed = await this.#api.list(this.#collection, this.#selector, signal);
          this.relists += 1;
          this.#handlers.onSync(listed.items);
          this.#markSynced();
          resourceVersion = listed.resourceVersion;
        }
        await this.#api.watch(this.#collection, { resourceVersion, labelSelector: this.#selector }, (event) => {
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (event.type !== 'BOOKMARK') this.#handlers.onEvent(event);
        }, signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof KubeWatchExpiredError) {
          resourceVersion = undefined;
          continue;
        }
        this.#handlers.onError(error);
        failures += 1;
        await sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 8)), signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
