import type { ReleaseEvent } from '@sluice/domain';

/** One server-sent message: its `event:` name (default "message"), `data:` lines joined, and `id:`. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/**
 * Splits a text/event-stream into messages as chunks arrive (any chunking, CRLF or LF line ends);
 * comments (`: keep-alive`) go to `onComment`. See the WHATWG server-sent events format.
 */
export class SseParser {
  readonly #onComment: ((text: string) => void) | undefined;
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  constructor(onComment?: (text: string) => void) {
    this.#onComment = onComment;
  }

  push(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const end = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone CR at the end may be the first half of CRLF: wait for more.
      if (end === null || (end[0] === '\r' && end.index === this.#buffer.length - 1)) return out;
      const line = this.#buffer.slice(0, end.index);
      this.#buffer = this.#buffer.slice(end.index + end[0].length);
      const message = this.#line(line);
      if (message !== undefined) out.push(message);
    }
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) {
      this.#onComment?.(line.slice(1).trim());
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id') this.#id = value;
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const message = this.#data.length === 0 ? undefined : { event: this.#event || 'message', data: this.#data.join('\n'), ...(this.#id === undefined ? {} : { id: this.#id }) };
    this.#event = '';
    this.#data = [];
    return message;
  }
}

/** The stream could not be opened: the server answered something other than an event stream. */
export class StreamRefusedError extends Error {
  override readonly name = 'StreamRefusedError';
}

export interface EventStreamOptions {
  /** Control plane address, without /api/v1. */
  readonly baseUrl: string;
  /** API token (sluice server --auth), sent as `Authorization: Bearer`. */
  readonly token?: string | undefined;
  /** Resume after this seq: only later events come. */
  readonly after: number;
  /** Stops reading (Ctrl-C, timeout). */
  readonly signal: AbortSignal;
  /** With no byte for this long (the server sends a keep-alive every 15 s) the connection counts as dropped. */
  readonly idleMs?: number;
  /** Called once the server says the stream is live. */
  readonly onConnected?: () => void;
}

const DEFAULT_IDLE_MS = 45_000;

/**
 * Reads GET /api/v1/events/stream?after=SEQ and yields each event in seq order. Returns when the server
 * ends the stream; throws StreamRefusedError when it answers anything but a stream, and the network
 * error when the connection fails or goes silent for `idleMs`.
 */
export async function* readEventStream(options: EventStreamOptions): AsyncGenerator<ReleaseEvent> {
  const idle = new AbortController();
  const signal = AbortSignal.any([options.signal, idle.signal]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`the event stream sent nothing for ${(options.idleMs ?? DEFAULT_IDLE_MS) / 1000}s`)), options.idleMs ?? DEFAULT_IDLE_MS);
  };
  touch();
  try {
    const auth: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    const response = await fetch(`${options.baseUrl}/api/v1/events/stream?after=${options.after}`, { headers: { accept: 'text/event-stream', ...auth }, signal });
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.startsWith('text/event-stream') || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new StreamRefusedError(`GET /api/v1/events/stream answered HTTP ${response.status} ${type || 'without a content type'}`);
    }
    yield* messages(response.body, touch, options.onConnected);
  } catch (error) {
    throw idle.signal.aborted && !options.signal.aborted ? idle.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

async function* messages(body: ReadableStream<Uint8Array>, touch: () => void, onConnected?: () => void): AsyncGenerator<ReleaseEvent> {
  const parser = new SseParser((comment) => {
    if (comment === 'connected') onConnected?.();
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    touch();
    for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
      if (message.event !== 'event') continue;
      yield JSON.parse(message.data) as ReleaseEvent;
    }
  }
}
