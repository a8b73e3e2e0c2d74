import type { ProxyTimers, TimerHandle } from '../proxy-timers.js';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** ProxyTimers that only move when a test calls advance(). */
export class ManualTimers implements ProxyTimers {
  #now: number;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const seq = ++this.#seq;
    this.#pending.set(seq, { at: this.#now + ms, seq, callback });
    return seq;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as number);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order (timers they set included). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#pending.values()) if (p.at <= until && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      if (next === undefined) break;
      this.#pending.delete(next.seq);
      this.#now = next.at;
      next.callback();
    }
    this.#now = until;
  }
}
