import type { Clock } from '@sluice/domain';

export interface AuthFailureLimits {
  /** Failures one address may have in a window before it is refused. Default 10. */
  readonly maxFailures?: number;
  /** The window, ms. Default 60 000. */
  readonly windowMs?: number;
  /** Addresses tracked at once (bounded memory). Default 10 000. */
  readonly maxAddresses?: number;
}

interface Window {
  readonly start: number;
  failures: number;
}

/**
 * Counts authentication failures per source address in fixed windows. Only failures count; a
 * success neither counts nor resets the window. Once an address reaches the limit it is refused until
 * its window ends. At most `maxAddresses` are tracked: when full, ended windows are dropped first,
 * then the oldest.
 */
export class AuthFailureLimiter {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  readonly #windows = new Map<string, Window>();

  constructor(clock: Clock, limits: AuthFailureLimits = {}) {
    this.#clock = clock;
    this.#max = limits.maxFailures ?? 10;
    this.#windowMs = limits.windowMs ?? 60_000;
    this.#maxAddresses = limits.maxAddresses ?? 10_000;
  }

  /** Seconds until the address may try again, or 0 when it is not refused. */
  retryAfter(address: string): number {
    const window = this.#current(address);
    if (window === undefined || window.failures < this.#max) return 0;
    return Math.max(1, Math.ceil((window.start + this.#windowMs - this.#clock.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.#current(address);
    if (window !== undefined) {
      window.failures++;
      return;
    }
    this.#windows.delete(address);
    if (this.#windows.size >= this.#maxAddresses) this.#evict();
    this.#windows.set(address, { start: this.#clock.now(), failures: 1 });
  }

  /** How many addresses are tracked (for tests of the bound). */
  get tracked(): number {
    return this.#windows.size;
  }

  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    return window !== undefined && this.#clock.now() < window.start + this.#windowMs ? window : undefined;
  }

  #evict(): void {
    // Windows are inserted in start order, so the ended ones are at the front.
    const now = this.#clock.now();
    for (const [address, window] of this.#windows) {
      if (now < window.start + this.#windowMs) break;
      this.#windows.delete(address);
    }
    // Still full: drop the oldest.
    const oldest = this.#windows.keys().next();
    if (this.#windows.size >= this.#maxAddresses && oldest.done !== true) this.#windows.delete(oldest.value);
  }
}
