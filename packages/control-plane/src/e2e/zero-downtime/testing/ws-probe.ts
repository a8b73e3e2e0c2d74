// The load's one WebSocket: opened through the proxy before the first request, a numbered message
// every 100 ms, each echo checked. A message not echoed within 10 s is lost. If the connection closes
// (a clean close frame, e.g. 1001 from an instance shutting down, or an abnormal one), that is counted
// in the current phase and a new WebSocket is opened, so the rest of the run still has one.
import type { PhaseStats, WsCounts } from './phase-stats.js';
import { openWebSocket } from './websocket-client.js';
import type { WsClose, WsConnection } from './websocket-client.js';

const LOST_AFTER_MS = 10_000;
const REOPEN_AFTER_MS = 100;

export interface WsEvent {
  /** Seconds since the load started. */
  readonly at: number;
  readonly phase: string;
  readonly what: string;
}

export interface WsReport {
  /** Connections opened (1 if it stayed open all along). */
  readonly opened: number;
  /** The version (x-sluice-version) and app (x-app) of each connection, in order. */
  readonly servedBy: readonly string[];
  /** Closes and failed reopens, in order. */
  readonly events: readonly WsEvent[];
  /** Whether the connection open at the end is the first one. */
  readonly firstStillOpen: boolean;
}

export class WsProbe {
  readonly #events: WsEvent[] = [];
  readonly #servedBy: string[] = [];
  readonly #outstanding = new Map<number, { at: number; counts: WsCounts }>();
  #connection: WsConnection | undefined;
  #opened = 0;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  /** Closes before close() was called: 0 means the first connection lasted the whole run. */
  #closes = 0;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly stats: PhaseStats,
    readonly clock: () => number,
    readonly intervalMs: number,
  ) {}

  async open(): Promise<void> {
    await this.#connect();
    this.#timer = setInterval(() => this.#tick(), this.intervalMs);
  }

  async close(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    // Let the last echoes come back before closing.
    const deadline = Date.now() + LOST_AFTER_MS;
    while (this.#outstanding.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.#expire(Number.POSITIVE_INFINITY);
    this.#connection?.close();
  }

  report(): WsReport {
    return { opened: this.#opened, servedBy: [...this.#servedBy], events: [...this.#events], firstStillOpen: this.#opened === 1 && this.#closes === 0 };
  }

  async #connect(): Promise<void> {
    const connection = await openWebSocket(this.host, this.port, '/ws', { 'x-user-id': 'websocket-probe' });
    this.#opened++;
    this.#connection = connection;
    this.#servedBy.push(`${String(connection.headers['x-sluice-version'] ?? '?')} (${String(connection.headers['x-app'] ?? '?')})`);
    connection.onMessage((text) => {
      const sent = this.#outstanding.get(Number(text));
      if (sent === undefined) return;
      this.#outstanding.delete(Number(text));
      sent.counts.echoed++;
    });
    connection.onClose((close) => this.#closed(connection, close));
  }

  #closed(connection: WsConnection, close: WsClose): void {
    if (this.#connection === connection) this.#connection = undefined;
    if (this.#stopping) return;
    this.#closes++;
    const counts = this.stats.ws();
    if (close.clean) counts.cleanCloses++;
    else counts.abnormalCloses++;
    this.#note(close.clean ? `closed by the server: ${close.code ?? '-'} ${close.reason}` : `connection lost: ${close.reason}`);
    this.#expire(Number.POSITIVE_INFINITY);
    setTimeout(() => void this.#reopen(), REOPEN_AFTER_MS);
  }

  async #reopen(): Promise<void> {
    if (this.#stopping || this.#connection !== undefined) return;
    try {
      await this.#connect();
    } catch (error) {
      this.#note(`reopening failed: ${String(error)}`);
      setTimeout(() => void this.#reopen(), REOPEN_AFTER_MS * 5);
    }
  }

  #tick(): void {
    const now = this.clock();
    this.#expire(now - LOST_AFTER_MS);
    if (this.#connection === undefined) return;
    const seq = ++this.#seq;
    const counts = this.stats.ws();
    counts.sent++;
    this.#outstanding.set(seq, { at: now, counts });
    this.#connection.send(String(seq));
  }

  /** Messages sent before `before` and not echoed are lost (in the phase they were sent in). */
  #expire(before: number): void {
    for (const [seq, sent] of this.#outstanding) {
      if (sent.at >= before) continue;
      sent.counts.lost++;
      this.#outstanding.delete(seq);
    }
  }

  #note(what: string): void {
    this.#events.push({ at: this.clock() / 1000, phase: this.stats.current, what });
  }
}
