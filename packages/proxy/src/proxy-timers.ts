import type { Clock } from '@sluice/domain';

/** An opaque handle returned by ProxyTimers.setTimeout. */
export type TimerHandle = unknown;

/**
 * Time for the proxy's slow machinery (outlier ejection, health checks). Injected so tests move it by
 * hand; per-request timeouts use real timers because they are short and on the hot path.
 */
export interface ProxyTimers extends Clock {
  /** Runs `callback` once after `ms`; the timer must not keep the process alive. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

export const REAL_TIMERS: ProxyTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
