// The zero-downtime load driver: open loop (requests leave on schedule whether or not earlier ones
// were answered) at a target rate across keep-alive GETs, GETs on new connections, slow uploads and
// long downloads, plus one WebSocket exchanging a message every 100 ms for the whole run. Every
// outcome is classified (ok, failed, reset, timeout) and counted in the phase current when it started.
import { Agent } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { download, getRoot, upload } from './mix-requests.js';
import type { Answer, MixTarget } from './mix-requests.js';
import { KINDS, PhaseStats, totalOf } from './phase-stats.js';
import type { Kind, PhaseSummary } from './phase-stats.js';
import { WsProbe } from './ws-probe.js';
import type { WsReport } from './ws-probe.js';

export interface LoadMixOptions {
  readonly host: string;
  readonly port: number;
  /** Requests per second offered (the WebSocket's messages not included). */
  readonly rps: number;
  /** Relative weights of the kinds; default 80 keep-alive, 14 new connection, 3 upload, 3 download. */
  readonly mix?: Readonly<Record<Kind, number>>;
  /** An upload's body and a download's response are spread over this long; default 1500 ms. */
  readonly slowMs?: number;
  readonly uploadBytes?: number;
  readonly downloadBytes?: number;
  /** A request not complete after this long is a timeout; default 30 s (a SYN dropped from a full accept queue is resent after 1, 3, 7, 15 s). */
  readonly timeoutMs?: number;
  /** Above this many in flight, a due request is not sent but counted as notSent; default 20,000 (10 s at 2,000/s). */
  readonly maxInFlight?: number;
  /** Distinct x-user-id values (sticky keys); default 10,000. */
  readonly users?: number;
  readonly wsIntervalMs?: number;
  /** Open the WebSocket (default true). */
  readonly websocket?: boolean;
}

export interface LoadReport {
  readonly phases: readonly PhaseSummary[];
  readonly total: PhaseSummary;
  readonly seconds: number;
  readonly offeredRps: number;
  /** Requests that completed (any outcome) per second of sending. */
  readonly achievedRps: number;
  /** The driver's own event-loop delay, p99 ms: above ~50 ms its pacing and latencies are distorted. */
  readonly eventLoopP99Ms: number;
  readonly ws: WsReport;
}

// Slow requests cost the proxy ~20× a keep-alive GET (every chunk crosses it): 3 % each keeps 2,000 requests/s
// within what a 2-core machine running the proxy, the instances and this driver can serve.
const DEFAULT_MIX: Readonly<Record<Kind, number>> = { keepAlive: 80, newConnection: 14, upload: 3, download: 3 };
const TICK_MS = 5;

export class LoadMix {
  readonly stats: PhaseStats;
  readonly #options: LoadMixOptions;
  readonly #target: MixTarget;
  readonly #ws: WsProbe;
  readonly #started = performance.now();
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 10 });
  readonly #pick: () => Kind;
  #sendingSince = 0;
  #due = 0;
  #id = 0;
  #inFlight = 0;
  #completed = 0;
  #timer: NodeJS.Timeout | undefined;
  #stoppedAt: number | undefined;

  constructor(options: LoadMixOptions, firstPhase = 'baseline') {
    this.#options = options;
    const clock = (): number => performance.now() - this.#started;
    this.stats = new PhaseStats(clock, firstPhase);
    // Idle sockets close after 4 s, before the proxy's 5 s keep-alive timeout could close one under a request.
    const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, timeout: 4_000, scheduling: 'lifo' });
    this.#target = {
      host: options.host, port: options.port, agent, timeoutMs: options.timeoutMs ?? 30_000, slowMs: options.slowMs ?? 1_500,
      uploadBytes: options.uploadBytes ?? 32 * 1024, downloadBytes: options.downloadBytes ?? 64 * 1024,
    };
    this.#ws = new WsProbe(options.host, options.port, this.stats, clock, options.wsIntervalMs ?? 100);
    this.#pick = smoothRoundRobin(options.mix ?? DEFAULT_MIX);
  }

  /** Opens the WebSocket (rejects if it cannot), then starts the requests. */
  async start(): Promise<void> {
    this.#loopDelay.enable();
    if (this.#options.websocket ?? true) await this.#ws.open();
    this.#sendingSince = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  /** Ends the current phase and starts `name`. */
  phase(name: string): void {
    this.stats.begin(name);
  }

  /** The current phase's end condition holds (requests sent from now on are "settled"). */
  settle(): void {
    this.stats.settle();
  }

  /** Milliseconds since the load started (the clock failures are stamped with). */
  elapsedMs(): number {
    return performance.now() - this.#started;
  }

  inFlight(): number {
    return this.#inFlight;
  }

  /** Which version the WebSocket is on, as the proxy said in its 101 (x-sluice-version) and the app (x-app). */
  websocket(): WsReport {
    return this.#ws.report();
  }

  /** Stops sending, waits for every request in flight (each ends by its timeout at the latest), closes the WebSocket. */
  async stop(): Promise<LoadReport> {
    if (this.#stoppedAt === undefined) {
      clearInterval(this.#timer);
      this.#stoppedAt = performance.now();
      const deadline = Date.now() + this.#target.timeoutMs + 2_000;
      while (this.#inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await this.#ws.close();
      this.#target.agent.destroy();
      this.#loopDelay.disable();
    }
    const phases = this.stats.summaries();
    const seconds = ((this.#stoppedAt ?? performance.now()) - this.#sendingSince) / 1000;
    return {
      phases, total: totalOf(phases), seconds, offeredRps: this.#options.rps, achievedRps: this.#completed / seconds,
      eventLoopP99Ms: this.#loopDelay.percentile(99) / 1e6, ws: this.#ws.report(),
    };
  }

  #tick(): void {
    const due = Math.floor(((performance.now() - this.#sendingSince) * this.#options.rps) / 1000) - this.#due;
    for (let i = 0; i < due; i++) {
      this.#due++;
      if (this.#inFlight >= (this.#options.maxInFlight ?? 20_000)) this.stats.skipped();
      else this.#send(this.#pick());
    }
  }

  #send(kind: Kind): void {
    const id = ++this.#id;
    const user = `u${id % (this.#options.users ?? 10_000)}`;
    const token = this.stats.sending(kind);
    const sentAt = performance.now();
    this.#inFlight++;
    const done = (answer: Answer): void => {
      this.#inFlight--;
      this.#completed++;
      const record = { kind, ...answer, ms: performance.now() - sentAt, sentAt: sentAt - this.#started };
      this.stats.finished(token, record);
    };
    try {
      if (kind === 'upload') upload(this.#target, id, user, done);
      else if (kind === 'download') download(this.#target, id, user, done);
      else getRoot(this.#target, kind, user, done);
    } catch (error) {
      done({ outcome: 'failed', detail: `could not send: ${String(error)}` });
    }
  }
}

/** nginx's smooth weighted round robin: the kinds interleave evenly in their exact proportions. */
function smoothRoundRobin(weights: Readonly<Record<Kind, number>>): () => Kind {
  const current: Record<Kind, number> = { keepAlive: 0, newConnection: 0, upload: 0, download: 0 };
  const total = KINDS.reduce((n, k) => n + weights[k], 0);
  return () => {
    let best: Kind = 'keepAlive';
    for (const kind of KINDS) {
      current[kind] += weights[kind];
      if (current[kind] > current[best]) best = kind;
    }
    current[best] -= total;
    return best;
  };
}
