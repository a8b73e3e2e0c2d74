/** The client's options, their defaults, and the shapes its API returns. */
import type { FlagContext, FlagErrorCode, FlagEvaluation, FlagState, FlagValue, VariantPayload } from '@sluice/domain';
import type { FlagCache } from './cache.js';
import type { SluiceError } from './errors.js';
import type { FetchLike } from './http.js';
import type { Clock, Timers } from './timers.js';

export interface SluiceClientOptions {
  /** The control plane's base URL, e.g. `https://sluice.example.com`. */
  readonly url: string;
  readonly environment: string;
  /** Sent as `Authorization: Bearer TOKEN`. */
  readonly token?: string;
  /** Reported with metrics; also set as the context's `appName`. */
  readonly appName: string;
  /** Merged under each call's context (a call's fields win; `properties` are merged). */
  readonly context?: FlagContext;
  /** Flags to start with, offline (e.g. a file the app shipped): the client is ready at once. Wins over the cache. */
  readonly bootstrap?: FlagState;
  /** Last-known-good state: loaded at start when there is no bootstrap, saved after every server update. */
  readonly cache?: FlagCache;
  /** true (default): the server's event stream; false: poll the state every `refreshIntervalMs`. */
  readonly stream?: boolean;
  /** Polling interval when `stream: false`. Default 15 000. */
  readonly refreshIntervalMs?: number;
  /** How often evaluation counts and tracked events are sent. Default 60 000; 0 disables the timer (flush() still sends). */
  readonly metricsIntervalMs?: number;
  /** Reconnect backoff: first delay (default 1 000, or the server's `retry:`), cap (default 30 000), and the delay after 401/404 (default 300 000). */
  readonly retry?: { readonly minDelayMs?: number; readonly maxDelayMs?: number; readonly fatalDelayMs?: number };
  /** A stream with no data and no ping for this long (checked every this long, so within twice it) is reconnected. Default 60 000 (the server pings every 15 s). */
  readonly idleTimeoutMs?: number;
  /** Identifies this process in metrics. Default: a random UUID. */
  readonly instanceId?: string;
  readonly fetch?: FetchLike;
  readonly timers?: Timers;
  readonly clock?: Clock;
  /** Randomness for `random` stickiness and backoff jitter. Default Math.random. */
  readonly random?: () => number;
}

export const DEFAULTS = {
  refreshIntervalMs: 15_000,
  metricsIntervalMs: 60_000,
  minDelayMs: 1_000,
  maxDelayMs: 30_000,
  fatalDelayMs: 300_000,
  idleTimeoutMs: 60_000,
  /** track() flushes the events early once this many are queued. */
  trackBatchSize: 100,
} as const;

/** Where the current state came from. */
export type StateSource = 'bootstrap' | 'cache' | 'server';

export interface ClientEvents extends Record<string, unknown> {
  /** Once: the first state is in (from bootstrap, cache or the server). */
  ready: { readonly source: StateSource };
  /** After a state swap: the flags whose definitions changed (sorted). */
  changed: readonly string[];
  error: SluiceError;
  /** The server is reachable again after an error. */
  recovered: undefined;
}

/** A flag evaluation; before the client is ready, reason ERROR with PROVIDER_NOT_READY. */
export type ClientEvaluation = Omit<FlagEvaluation, 'errorCode'> & { readonly errorCode?: FlagErrorCode | 'PROVIDER_NOT_READY' };

export interface ClientVariant {
  readonly name: string;
  /** The variant is a real one (false for `disabled`). */
  readonly enabled: boolean;
  /** The flag is on. */
  readonly featureEnabled: boolean;
  readonly payload?: VariantPayload;
  /** The payload, typed (string, number or parsed JSON). */
  readonly value?: FlagValue;
}

/** Live read-only view of the client's state. */
export interface ClientState {
  readonly ready: boolean;
  /** The server's sequence number (last event id, or the state's `seq`) of the current state. */
  readonly seq: number | undefined;
  readonly source: StateSource | undefined;
  readonly flags: FlagState | undefined;
}
