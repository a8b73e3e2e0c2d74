/**
 * What the client reports back: evaluation counts per flag (Unleash-style metrics buckets) and
 * tracked events for experiments. Counting is a counter bump on a per-flag record allocated once.
 */
import { SluiceError } from './errors.js';

export interface ToggleCounts {
  yes: number;
  no: number;
  readonly variants: Map<string, number>;
}

export interface MetricsPayload {
  readonly environment: string;
  readonly appName: string;
  readonly instanceId: string;
  readonly start: number;
  readonly stop: number;
  readonly toggles: Record<string, { yes: number; no: number; variants: Record<string, number> }>;
}

export interface TrackedEvent {
  readonly key: string;
  readonly event: string;
  readonly value?: number;
  readonly at: number;
}

export const EVENT_NAME = /^[A-Za-z0-9_\-.:/]+$/;
export const MAX_EVENT_NAME = 100;
export const MAX_KEY = 200;
/** Largest |value| the server accepts. */
export const MAX_ABS_VALUE = 1e12;
export const MAX_EVENTS_PER_REQUEST = 1000;
/** Events kept while the server is unreachable; the oldest are dropped beyond this. */
export const MAX_QUEUED_EVENTS = 10_000;

/** Evaluation counts since the last drain. */
export class MetricsBucket {
  readonly #toggles = new Map<string, ToggleCounts>();
  #start: number;
  #dirty = false;

  constructor(now: number) {
    this.#start = now;
  }

  count(name: string, enabled: boolean, variant?: string): void {
    let counts = this.#toggles.get(name);
    if (!counts) this.#toggles.set(name, (counts = { yes: 0, no: 0, variants: new Map() }));
    if (enabled) counts.yes++;
    else counts.no++;
    if (variant !== undefined) counts.variants.set(variant, (counts.variants.get(variant) ?? 0) + 1);
    this.#dirty = true;
  }

  /** The counts so far as a payload (undefined when nothing was counted), and a fresh bucket. */
  drain(now: number, base: Pick<MetricsPayload, 'environment' | 'appName' | 'instanceId'>): MetricsPayload | undefined {
    const start = this.#start;
    this.#start = now;
    if (!this.#dirty) return undefined;
    this.#dirty = false;
    const toggles: MetricsPayload['toggles'] = {};
    for (const [name, counts] of this.#toggles) {
      if (counts.yes === 0 && counts.no === 0) continue;
      toggles[name] = { yes: counts.yes, no: counts.no, variants: Object.fromEntries(counts.variants) };
      counts.yes = 0;
      counts.no = 0;
      counts.variants.clear();
    }
    return { ...base, start, stop: now, toggles };
  }
}

/** Checks an event the way the server will; returns why it is invalid, or undefined. */
export function invalidEvent(event: string, key: string, value?: number): SluiceError | undefined {
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_NAME || !EVENT_NAME.test(event)) {
    return new SluiceError('INVALID_EVENT', `track: event ${JSON.stringify(event)} must match ${String(EVENT_NAME)} and be at most ${MAX_EVENT_NAME} characters`);
  }
  if (key.length === 0 || key.length > MAX_KEY) {
    return new SluiceError('INVALID_EVENT', `track: the key (userId or sessionId) must be 1..${MAX_KEY} characters`);
  }
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_ABS_VALUE)) {
    // the server rejects a whole batch for one bad event: drop it here
    return new SluiceError('INVALID_EVENT', `track: value must be a finite number within ±${MAX_ABS_VALUE}`);
  }
  return undefined;
}

/** Tracked events waiting to be sent. */
export class EventQueue {
  #events: TrackedEvent[] = [];

  get size(): number {
    return this.#events.length;
  }

  push(event: TrackedEvent): void {
    this.#events.push(event);
    if (this.#events.length > MAX_QUEUED_EVENTS) this.#events.splice(0, this.#events.length - MAX_QUEUED_EVENTS);
  }

  /** Takes every queued event, in request-sized batches. */
  takeBatches(): TrackedEvent[][] {
    const batches: TrackedEvent[][] = [];
    for (let i = 0; i < this.#events.length; i += MAX_EVENTS_PER_REQUEST) batches.push(this.#events.slice(i, i + MAX_EVENTS_PER_REQUEST));
    this.#events = [];
    return batches;
  }

  /** Puts back events that could not be sent (before any queued since), within the cap. */
  requeue(events: readonly TrackedEvent[]): void {
    this.#events = [...events, ...this.#events];
    if (this.#events.length > MAX_QUEUED_EVENTS) this.#events.splice(0, this.#events.length - MAX_QUEUED_EVENTS);
  }
}
