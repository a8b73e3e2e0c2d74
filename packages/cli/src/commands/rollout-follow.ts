import { ErrorCode, isSluiceError, isTerminal, type Phase, type ReleaseEvent } from '@sluice/domain';
import type { ApiClient } from '../api-client.js';
import type { RolloutView } from '../api-types.js';
import { advanceProgress, isLogged, personWait, type RunProgress } from '../render/run-log.js';
import { readEventStream, StreamRefusedError } from './event-stream-client.js';

/** How often the fallback polls GET /rollouts/{name}. */
export const POLL_MS = 2000;
/** Polls in a row that may fail (control plane restarting, store busy) before the error ends the run. */
const MAX_POLL_FAILURES = 15;
const TRANSIENT: ReadonlySet<string> = new Set([ErrorCode.UNREACHABLE, ErrorCode.STORE_UNAVAILABLE, ErrorCode.TOO_MANY_REQUESTS, ErrorCode.INTERNAL]);

export interface FollowOptions {
  readonly client: ApiClient;
  /** The rollout as read right after the apply. */
  readonly initial: RolloutView;
  /** Progress to start from (step 1, weight 0 for a rollout the apply created). */
  readonly progress: RunProgress;
  /** Follow events after this seq: the last one stored before the apply. */
  readonly after: number;
  /** Aborted on timeout or Ctrl-C: following stops, the rollout goes on. */
  readonly signal: AbortSignal;
  /** A rollout event as it arrives, with the progress after it. */
  readonly onEvent: (event: ReleaseEvent, progress: RunProgress) => void;
  /** The rollout waits for a person: called once per distinct wait. */
  readonly onWait: (wait: string, progress: RunProgress) => void;
  /** How the following goes (stream refused, dropped, polling): for stderr. */
  readonly onNote: (note: string) => void;
  readonly pollMs?: number;
}

/** How following ended: the rollout finished (its final view), or following was stopped first. */
export type FollowEnd = { readonly kind: 'ended'; readonly view: RolloutView } | { readonly kind: 'stopped' };

class Stopped extends Error {}

/**
 * Follows one rollout until it ends: its events from the event stream (resumed after the last seq
 * seen when the connection drops, so none is lost or repeated), or by polling GET /rollouts/{name}
 * every 2 s when the stream cannot be used. Records the events it logged in `events`.
 */
export class RolloutFollower {
  readonly events: ReleaseEvent[] = [];
  readonly #o: FollowOptions;
  #lastSeq: number;
  #progress: RunProgress;
  #lastWait: string | undefined;

  constructor(options: FollowOptions) {
    this.#o = options;
    this.#lastSeq = options.after;
    this.#progress = options.progress;
  }

  get progress(): RunProgress {
    return this.#progress;
  }

  async run(): Promise<FollowEnd> {
    try {
      if (isTerminal(this.#o.initial.status.phase)) return { kind: 'ended', view: this.#o.initial };
      const streamed = await this.#followStream();
      return { kind: 'ended', view: streamed ?? (await this.#poll()) };
    } catch (error) {
      if (error instanceof Stopped || this.#o.signal.aborted) return { kind: 'stopped' };
      throw error;
    }
  }

  /** The final view once the rollout ends; undefined when the stream cannot be used (then poll). */
  async #followStream(): Promise<RolloutView | undefined> {
    const { client, signal } = this.#o;
    this.#checkWait(this.#o.initial);
    for (;;) {
      let connected = false;
      try {
        const stream = readEventStream({ baseUrl: client.baseUrl, token: client.token, after: this.#lastSeq, signal, onConnected: () => (connected = true) });
        for await (const event of stream) {
          const end = await this.#accept(event, true);
          if (end !== undefined) return end;
        }
        this.#o.onNote(`the event stream ended; reconnecting after seq ${this.#lastSeq}`);
      } catch (error) {
        if (signal.aborted || error instanceof Stopped) throw new Stopped();
        const why = error instanceof Error ? error.message : String(error);
        if (error instanceof StreamRefusedError || !connected) {
          this.#o.onNote(`cannot follow the event stream (${why}); polling the rollout every ${(this.#o.pollMs ?? POLL_MS) / 1000}s instead`);
          return undefined;
        }
        this.#o.onNote(`the event stream dropped (${why}); reconnecting after seq ${this.#lastSeq}`);
      }
      await pause(500, signal);
    }
  }

  async #poll(): Promise<RolloutView> {
    const { client, initial, signal } = this.#o;
    let failures = 0;
    for (;;) {
      try {
        const view = await stoppable(client.getRollout(initial.name), signal);
        const events = await stoppable(client.rolloutEvents(initial.name, this.#lastSeq), signal);
        failures = 0;
        for (const event of events) await this.#accept(event, false);
        if (isTerminal(view.status.phase)) return view;
        this.#checkWait(view);
      } catch (error) {
        if (error instanceof Stopped || !isSluiceError(error) || !TRANSIENT.has(error.code) || ++failures >= MAX_POLL_FAILURES) throw error;
        if (failures === 1) this.#o.onNote(`${error.message}; retrying every ${(this.#o.pollMs ?? POLL_MS) / 1000}s`);
      }
      await pause(this.#o.pollMs ?? POLL_MS, signal);
    }
  }

  /** Takes one event (skipping any already seen); answers the final view when it ended the rollout. */
  async #accept(event: ReleaseEvent, readView: boolean): Promise<RolloutView | undefined> {
    if (event.seq <= this.#lastSeq) return undefined;
    this.#lastSeq = event.seq;
    const { initial, client, signal } = this.#o;
    if (event.subject.kind !== 'Rollout' || event.subject.name !== initial.name) return undefined;
    this.#progress = advanceProgress(this.#progress, event);
    if (isLogged(event)) {
      this.events.push(event);
      this.#o.onEvent(event, this.#progress);
    }
    if (!readView || !isLogged(event)) return undefined;
    const view = await stoppable(client.getRollout(initial.name), signal);
    if (event.type === 'PhaseChanged' && isTerminal(event.to as Phase)) return view;
    this.#checkWait(view);
    return undefined;
  }

  #checkWait(view: RolloutView): void {
    // A view ahead of the events logged so far waits for them: the next event checks it again.
    if (Math.max(0, ...(view.events ?? []).map((e) => e.seq)) > this.#lastSeq) return;
    const wait = personWait(view);
    if (wait !== undefined && wait !== this.#lastWait) this.#o.onWait(wait, this.#progress);
    this.#lastWait = wait;
  }
}

/** Waits `ms`, or less when `signal` is aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The call's answer, or Stopped as soon as `signal` is aborted (the call is left to finish alone). */
function stoppable<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Stopped());
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new Stopped());
    signal.addEventListener('abort', stop, { once: true });
    call.then(
      (value) => { signal.removeEventListener('abort', stop); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', stop); reject(error); },
    );
  });
}
