import type { DataPlaneReport, PublishedRoute } from '@sluice/domain';
import { BuiltinProxy, type BuiltinProxyOptions } from '../builtin-proxy.js';
import { AppliedTable } from './applied-table.js';
import { backoffMs, readStream, REPORTS_PATH, postJson, streamUrl } from './control-plane-link.js';
import type { StreamMessage } from './event-stream-reader.js';
import { ObservationShipper } from './observation-shipper.js';
import { loadTable, TableSaver } from './state-file.js';

/** Where the agent writes what it does (the CLI prints it). Never given a token. */
export interface AgentLog {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export interface DataPlaneAgentOptions {
  /** Stable name of this data plane in reports, 1–100 printable characters. */
  readonly id: string;
  /** Control-plane base URLs (http://HOST:PORT); the stream is taken from one, the next tried on failure. */
  readonly controlPlanes: readonly string[];
  /** Sent as `Authorization: Bearer …` on every request when set. */
  readonly token?: string | undefined;
  /** Where the last applied table is kept (and read at start), so a restart serves without a control plane. */
  readonly stateFile?: string | undefined;
  /** Per service, the address to listen on instead of the published one. */
  readonly listen?: ReadonlyMap<string, string>;
  /** Options of the proxy the agent runs (its observer is the agent's). */
  readonly proxy?: Omit<BuiltinProxyOptions, 'observer'>;
  readonly log?: AgentLog;
  /** How often a report is sent (besides ~50 ms after each change). Default 2 s. */
  readonly reportEveryMs?: number;
  /** How often observations are sent to every control plane. Default 1 s. */
  readonly observationsEveryMs?: number;
  /** The longest wait between two connection attempts. Default 5 s. */
  readonly maxBackoffMs?: number;
  /** A stream silent this long (no heartbeat) is taken for dead and reconnected. Default 30 s. */
  readonly idleTimeoutMs?: number;
  readonly random?: () => number;
}

const REPORT_DEBOUNCE_MS = 50;
const POST_TIMEOUT_MS = 2_000;
const WARN_AGAIN_MS = 60_000;
const quiet: AgentLog = { info() {}, warn() {} };

/** An error's message, with the system code fetch hides in its cause ("fetch failed (ECONNREFUSED)"). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? `${message} (${cause.code})` : message;
}

/**
 * A remote data plane: a built-in proxy serving the route tables a control plane streams. It applies a
 * snapshot, then each change, remembers the generation it reached and resumes from there on another
 * control plane when its stream breaks. When none answers it keeps serving the last table (and reads
 * it from the state file at start): losing the control plane never takes a route down.
 */
export class DataPlaneAgent {
  readonly #options: DataPlaneAgentOptions;
  readonly #log: AgentLog;
  readonly #proxy: BuiltinProxy;
  readonly #table: AppliedTable;
  readonly #saver: TableSaver | undefined;
  readonly #shipper: ObservationShipper;
  readonly #stop = new AbortController();
  #connected: string | undefined;
  #loop: Promise<void> | undefined;
  #reportTimer: ReturnType<typeof setInterval> | undefined;
  #reportSoon: ReturnType<typeof setTimeout> | undefined;
  #reporting: Promise<void> | undefined;
  #reportAgain = false;
  readonly #warned = new Map<string, { readonly error: string; readonly at: number }>();
  #closed: Promise<void> | undefined;

  constructor(options: DataPlaneAgentOptions) {
    if (options.controlPlanes.length === 0) throw new Error('a data plane needs at least one control-plane URL');
    this.#options = options;
    this.#log = options.log ?? quiet;
    const shipper = new ObservationShipper({ id: options.id, urls: options.controlPlanes, token: options.token, everyMs: options.observationsEveryMs ?? 1_000 });
    this.#shipper = shipper;
    this.#proxy = new BuiltinProxy({ ...options.proxy, observer: (o) => shipper.add(o) });
    this.#table = new AppliedTable(this.#proxy, {
      ...(options.listen === undefined ? {} : { listen: options.listen }),
      onFailure: (entry, error) => this.#log.warn('route not applied; kept as it was, retried every report', { service: entry.service, generation: entry.generation, error }),
    });
    const stateFile = options.stateFile;
    this.#saver = stateFile === undefined ? undefined : new TableSaver(stateFile, () => ({ generation: this.#table.generation, routes: this.#table.entries() }), (error) => this.#log.warn('state file not written', { path: stateFile, error: error.message }));
  }

  /** The proxy serving the routes (its observe/health for tests and diagnostics). */
  get proxy(): BuiltinProxy {
    return this.#proxy;
  }

  /** The newest generation applied. */
  get generation(): number {
    return this.#table.generation;
  }

  /** The control plane whose stream is open, if any. */
  get connectedTo(): string | undefined {
    return this.#connected;
  }

  /** What the agent would report now. */
  report(): DataPlaneReport {
    return this.#table.report(this.#options.id);
  }

  /** Serves the saved table (if any), then connects. Resolves once the saved table serves. */
  async start(): Promise<void> {
    const path = this.#options.stateFile;
    const saved = path === undefined ? undefined : await loadTable(path);
    if (saved !== undefined) {
      await this.#table.applySnapshot(saved.generation, saved.routes);
      this.#log.info('serving the saved table', { path, generation: saved.generation, routes: this.#table.size });
    }
    this.#shipper.start();
    this.#reportTimer = setInterval(() => void this.#retryAndReport(), this.#options.reportEveryMs ?? 2_000);
    this.#loop = this.#run();
  }

  /** Stops following the control plane, sends what is left, then drains the proxy. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stop.abort();
      clearInterval(this.#reportTimer);
      clearTimeout(this.#reportSoon);
      await this.#loop;
      await Promise.all([this.#saver?.save(), this.#reporting, this.#shipper.close()]);
      await this.#proxy.close();
    })();
    return this.#closed;
  }

  async #run(): Promise<void> {
    const urls = this.#options.controlPlanes;
    let index = 0;
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      const url = urls[index % urls.length] ?? '';
      const before = this.#table.generation;
      let progressed = false;
      try {
        await readStream(streamUrl(url, before), {
          signal: this.#stop.signal,
          token: this.#options.token,
          idleTimeoutMs: this.#options.idleTimeoutMs ?? 30_000,
          onOpen: () => {
            this.#connected = url;
            this.#warned.delete(url);
            this.#log.info('connected to control plane', { url, after: before });
          },
          onMessage: async (message) => {
            await this.#handle(message);
            progressed = true;
          },
        });
        if (!this.#stop.signal.aborted) this.#log.warn('control plane closed the stream', { url });
      } catch (error) {
        if (!this.#stop.signal.aborted) this.#warnUnreachable(url, describe(error));
      }
      if (this.#connected !== undefined) this.#log.info('disconnected from control plane', { url });
      this.#connected = undefined;
      failures = progressed ? 1 : failures + 1;
      index++;
      await this.#sleep(backoffMs(failures, this.#options.maxBackoffMs ?? 5_000, this.#options.random ?? Math.random));
    }
  }

  async #handle(message: StreamMessage): Promise<void> {
    if (message.event === 'snapshot') {
      const snapshot = JSON.parse(message.data) as { generation: number; routes: PublishedRoute[] };
      await this.#table.applySnapshot(snapshot.generation, snapshot.routes);
      this.#log.info('applied snapshot', { generation: this.#table.generation, routes: this.#table.size });
    } else if (message.event === 'change') {
      const entry = JSON.parse(message.data) as PublishedRoute;
      if (!(await this.#table.applyChange(entry))) return;
      this.#log.info('applied generation', { generation: entry.generation, service: entry.service, ...(entry.removed === true ? { removed: true } : {}) });
    } else return;
    void this.#saver?.save();
    this.#scheduleReport();
  }

  /** Says a control plane is unreachable, but the same failure of the same URL at most once a minute. */
  #warnUnreachable(url: string, error: string): void {
    const last = this.#warned.get(url);
    const now = Date.now();
    if (last !== undefined && last.error === error && now - last.at < WARN_AGAIN_MS) return;
    this.#warned.set(url, { error, at: now });
    this.#log.warn('control plane unreachable; serving the last table', { url, generation: this.#table.generation, error });
  }

  #scheduleReport(): void {
    if (this.#reportSoon !== undefined || this.#stop.signal.aborted) return;
    this.#reportSoon = setTimeout(() => {
      this.#reportSoon = undefined;
      void this.#sendReport();
    }, REPORT_DEBOUNCE_MS);
  }

  async #retryAndReport(): Promise<void> {
    if ((await this.#table.retryFailed()) > 0) void this.#saver?.save();
    await this.#sendReport();
  }

  /** Sends the report to the connected control plane, else to the others in turn, until one takes it. One at a time. */
  #sendReport(): Promise<void> {
    if (this.#reporting !== undefined) {
      this.#reportAgain = true;
      return this.#reporting;
    }
    const report = this.report();
    const urls = this.#options.controlPlanes;
    const connected = this.#connected;
    const order = connected === undefined ? urls : [connected, ...urls.filter((u) => u !== connected)];
    this.#reporting = (async () => {
      for (const url of order) {
        try {
          await postJson(`${url}${REPORTS_PATH}`, report, this.#options.token, POST_TIMEOUT_MS);
          return;
        } catch {
          // the next control plane may take it
        }
      }
    })().finally(() => {
      this.#reporting = undefined;
      if (this.#reportAgain && !this.#stop.signal.aborted) {
        this.#reportAgain = false;
        void this.#sendReport();
      }
    });
    return this.#reporting;
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }
}
