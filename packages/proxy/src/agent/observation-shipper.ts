import type { ProxyObservation } from '../observation.js';
import { OBSERVATIONS_PATH, postJson } from './control-plane-link.js';

/** Observations per POST (the control plane takes at most 10,000 per call). */
export const OBSERVATIONS_PER_CALL = 10_000;
/** Observations held while no control plane takes them; newer ones are dropped past this. */
const MAX_PENDING = 50_000;
/** A stickiness key longer than this is left out (the control plane would drop it). */
const MAX_KEY_LENGTH = 256;
const MAX_ERROR_LENGTH = 300;

export interface ObservationShipperOptions {
  readonly id: string;
  readonly urls: readonly string[];
  readonly token: string | undefined;
  readonly everyMs: number;
}

/** What is sent of one observation: long keys left out, long error texts cut. */
export function shippable(o: ProxyObservation): ProxyObservation {
  let out = o;
  if (o.key !== undefined && o.key.length > MAX_KEY_LENGTH) {
    const { key: _key, ...rest } = o;
    out = rest;
  }
  if (out.error !== undefined && out.error.length > MAX_ERROR_LENGTH) out = { ...out, error: out.error.slice(0, MAX_ERROR_LENGTH) };
  return out;
}

/**
 * Sends what the proxy observed, once a second, to every control plane known (fire and forget): the
 * leader, wherever it is, gets every request into the windows its analysis and guard read. A batch no
 * control plane takes is lost, never resent: windows are about now.
 */
export class ObservationShipper {
  readonly #options: ObservationShipperOptions;
  #pending: ProxyObservation[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: ObservationShipperOptions) {
    this.#options = options;
  }

  /** Called by the proxy once per request: must be cheap. */
  add(observation: ProxyObservation): void {
    if (this.#pending.length < MAX_PENDING) this.#pending.push(observation);
  }

  start(): void {
    this.#timer ??= setInterval(() => this.flush(), this.#options.everyMs);
    this.#timer.unref?.();
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const taken = this.#pending;
    this.#pending = [];
    for (let i = 0; i < taken.length; i += OBSERVATIONS_PER_CALL) {
      const body = { id: this.#options.id, observations: taken.slice(i, i + OBSERVATIONS_PER_CALL).map(shippable) };
      for (const url of this.#options.urls) {
        const sent = postJson(`${url}${OBSERVATIONS_PATH}`, body, this.#options.token, 2_000).catch(() => undefined);
        this.#inFlight.add(sent);
        void sent.finally(() => this.#inFlight.delete(sent));
      }
    }
  }

  /** Stops the timer, sends what is left and waits for the sends under way. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.flush();
    await Promise.all(this.#inFlight);
  }
}
