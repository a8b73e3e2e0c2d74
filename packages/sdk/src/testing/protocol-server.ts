/**
 * A minimal in-test implementation of the Sluice flag protocol (test-only: uses node:http):
 * the event stream (hydration, deltas, resume by Last-Event-ID, pings), the state endpoint (ETag),
 * metrics and events. Tests push updates, drop connections, force statuses and read what arrived.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FeatureDefinition, SegmentDefinition } from '@sluice/domain';

export interface ProtocolServerOptions {
  readonly token?: string;
  readonly environment?: string;
  readonly features?: readonly FeatureDefinition[];
  readonly segments?: readonly SegmentDefinition[];
  /** Line ending for the stream (exercise the client's CRLF handling). */
  readonly lineEnding?: '\n' | '\r\n';
  /** A `retry:` field sent first on every stream. */
  readonly retryMs?: number;
}

type Change =
  | { type: 'feature-updated'; feature: FeatureDefinition }
  | { type: 'feature-removed'; featureName: string }
  | { type: 'segment-updated'; segment: SegmentDefinition }
  | { type: 'segment-removed'; segmentId: number };

export class ProtocolServer {
  readonly features = new Map<string, FeatureDefinition>();
  readonly segments = new Map<number, SegmentDefinition>();
  readonly history: ({ eventId: number } & Change)[] = [];
  /** The Last-Event-ID header of every stream request ('' when absent), in order. */
  readonly lastEventIds: string[] = [];
  readonly requests: { method: string; path: string; authorization: string | undefined }[] = [];
  readonly metrics: Record<string, unknown>[] = [];
  readonly events: { key: string; event: string; value?: number; at: number }[][] = [];
  /** When set, stream and state requests get this status instead. */
  forceStatus: number | undefined;
  /** When set, only stream requests get this status (e.g. 409: this server has no stream). */
  streamStatus: number | undefined;
  /** When true, a resumable Last-Event-ID is ignored and a hydration sent. */
  forgetHistory = false;
  seq = 1;
  /** How many state requests were answered 304 Not Modified. */
  notModified = 0;
  #server: Server | undefined;
  #streams = new Set<ServerResponse>();
  #port = 0;

  constructor(private readonly options: ProtocolServerOptions = {}) {
    for (const f of options.features ?? []) this.features.set(f.name, f);
    for (const s of options.segments ?? []) this.segments.set(s.id, s);
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  /** Listens on `port` (0: any free port; pass the old port to come back up at the same URL). */
  async start(port = this.#port): Promise<this> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    this.dropConnections();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ends every open stream abruptly (the client should reconnect with Last-Event-ID). */
  dropConnections(): void {
    for (const res of this.#streams) res.socket?.destroy();
    this.#streams.clear();
  }

  /** Applies changes, numbering them, and sends them as one `unleash-updated` to every open stream. */
  push(...changes: Change[]): number {
    const events = changes.map((change) => {
      const eventId = ++this.seq;
      if (change.type === 'feature-updated') this.features.set(change.feature.name, change.feature);
      if (change.type === 'feature-removed') this.features.delete(change.featureName);
      if (change.type === 'segment-updated') this.segments.set(change.segment.id, change.segment);
      if (change.type === 'segment-removed') this.segments.delete(change.segmentId);
      const event = { eventId, ...change };
      this.history.push(event);
      return event;
    });
    for (const res of this.#streams) this.#send(res, 'unleash-updated', this.seq, { events });
    return this.seq;
  }

  /** Sends a comment line to every stream. */
  ping(): void {
    for (const res of this.#streams) res.write(`: ping${this.options.lineEnding ?? '\n'}`);
  }

  /** Sends raw text to every stream (malformed data tests). */
  writeRaw(text: string): void {
    for (const res of this.#streams) res.write(text);
  }

  #send(res: ServerResponse, event: string, id: number, data: unknown): void {
    const nl = this.options.lineEnding ?? '\n';
    res.write(`event: ${event}${nl}id: ${id}${nl}data: ${JSON.stringify(data)}${nl}${nl}`);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization });
    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) return this.#status(res, 401);
    if (req.method === 'POST') return this.#post(req, res, url.pathname);
    if (this.forceStatus) return this.#status(res, this.forceStatus);
    const env = url.searchParams.get('environment');
    if (!env || (this.options.environment && env !== this.options.environment)) return this.#status(res, 404);
    if (url.pathname === '/api/v1/flags/stream') return this.streamStatus ? this.#status(res, this.streamStatus) : this.#stream(req, res);
    if (url.pathname === '/api/v1/flags/state') return this.#state(req, res, env);
    this.#status(res, 404);
  }

  #stream(req: IncomingMessage, res: ServerResponse): void {
    const lastEventId = String(req.headers['last-event-id'] ?? '');
    this.lastEventIds.push(lastEventId);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    this.#streams.add(res);
    res.on('close', () => this.#streams.delete(res));
    if (this.options.retryMs !== undefined) res.write(`retry: ${this.options.retryMs}${this.options.lineEnding ?? '\n'}`);
    const after = Number(lastEventId);
    const oldest = this.history[0]?.eventId ?? this.seq + 1;
    const resumable = lastEventId !== '' && !this.forgetHistory && Number.isInteger(after) && after <= this.seq && after >= oldest - 1;
    if (resumable) {
      const events = this.history.filter((e) => e.eventId > after);
      if (events.length > 0) this.#send(res, 'unleash-updated', this.seq, { events });
      return;
    }
    const hydration = { type: 'hydration', eventId: this.seq, features: [...this.features.values()], segments: [...this.segments.values()] };
    this.#send(res, 'unleash-connected', this.seq, { events: [hydration] });
  }

  #state(req: IncomingMessage, res: ServerResponse, environment: string): void {
    const etag = `"${this.seq}"`;
    if (req.headers['if-none-match'] === etag) {
      this.notModified++;
      res.writeHead(304, { etag }).end();
      return;
    }
    const body = { environment, seq: this.seq, features: [...this.features.values()], segments: [...this.segments.values()] };
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(JSON.stringify(body));
  }

  async #post(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    if (path === '/api/v1/flags/metrics') this.metrics.push(body);
    else if (path === '/api/v1/events') this.events.push(body['events'] as ProtocolServer['events'][number]);
    else return this.#status(res, 404);
    res.writeHead(202).end();
  }

  #status(res: ServerResponse, status: number): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `status ${status}` }));
  }
}

/** Resolves when `condition` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A feature that is on for everyone (or off), optionally with variants. */
export function feature(name: string, enabled = true, extra: Partial<FeatureDefinition> = {}): FeatureDefinition {
  return { name, enabled, strategies: [{ name: 'default' }], ...extra };
}
