/**
 * Items waiting to be written by one loop (an SSE stream), and a way for that loop to sleep until
 * some arrive, `wake()` is called, or a timeout passes (a keep-alive is due). One waiter at a time.
 */
export class WakeableQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;

  push(...items: readonly T[]): void {
    this.#items.push(...items);
    this.wake();
  }

  /** Everything queued, in order; the queue is empty afterwards. */
  take(): T[] {
    return this.#items.splice(0);
  }

  get size(): number {
    return this.#items.length;
  }

  wake(): void {
    this.#wake?.();
    this.#wake = undefined;
  }

  /** True when items arrived (or wake() was called), false when `ms` passed first. */
  wait(ms: number): Promise<boolean> {
    if (this.#items.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
