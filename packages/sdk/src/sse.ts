/**
 * A Server-Sent Events parser (the WHATWG event-stream format) over fetch's body stream: browsers
 * have EventSource, Node 20 does not, and EventSource cannot send an Authorization header anyway.
 * Handles `event:`, `id:`, multi-line `data:`, `retry:`, comments, and CR, LF or CRLF line ends
 * split anywhere across chunks.
 */

export interface SseMessage {
  /** The `event:` field, `message` when absent. */
  readonly event: string;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  /** The last event id seen on this stream (it persists across events, as in EventSource). */
  readonly lastEventId: string;
}

export interface SseHandlers {
  onMessage(message: SseMessage): void;
  /** A `retry:` field: the server's reconnection delay in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line (`: ping`), without the colon. */
  onComment?(text: string): void;
}

/** An incremental parser: feed it decoded text in any chunking. */
export class SseParser {
  #buffer = '';
  #sawCr = false;
  #started = false;
  #data: string[] = [];
  #event = '';
  #lastEventId: string;

  constructor(
    private readonly handlers: SseHandlers,
    lastEventId = '',
  ) {
    this.#lastEventId = lastEventId;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  push(text: string): void {
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // Lines are found with indexOf (not char by char): a message is a few long lines.
    let start = 0;
    let nextLf = text.indexOf('\n');
    let nextCr = text.indexOf('\r');
    for (;;) {
      if (this.#sawCr && start < text.length) {
        this.#sawCr = false;
        // the LF of a CRLF whose CR ended the previous line
        if (start < text.length && text.charCodeAt(start) === 10 && this.#buffer === '') {
          start++;
          continue;
        }
      }
      if (nextLf >= 0 && nextLf < start) nextLf = text.indexOf('\n', start);
      if (nextCr >= 0 && nextCr < start) nextCr = text.indexOf('\r', start);
      const i = nextLf < 0 ? nextCr : nextCr < 0 ? nextLf : Math.min(nextLf, nextCr);
      if (i < 0) break;
      this.#line(this.#buffer + text.slice(start, i));
      this.#buffer = '';
      this.#sawCr = i === nextCr;
      start = i + 1;
    }
    this.#buffer += text.slice(start);
  }

  /** The stream ended: an event without its blank line is discarded, as the spec says. */
  end(): void {
    this.#buffer = '';
    this.#data = [];
    this.#event = '';
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 58 /* : */) {
      this.handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return;
    this.handlers.onMessage({ event: event || 'message', data: data.join('\n'), lastEventId: this.#lastEventId });
  }
}

/** Reads a response body to its end, feeding the parser. Resolves when the stream ends. */
export async function readEventStream(body: ReadableStream<Uint8Array>, parser: SseParser, onChunk?: () => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk?.();
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } finally {
    parser.end();
    reader.releaseLock();
  }
}

/**
 * A response body a transport hands over as text events instead of a web stream (the Node transport
 * puts the socket's message here): reading it costs no web-stream machinery per chunk.
 */
export const DIRECT_BODY: unique symbol = Symbol.for('sluice.sdk.directBody');

export interface DirectBody {
  setEncoding(encoding: 'utf8'): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

function readDirect(body: DirectBody, parser: SseParser, onChunk?: () => void): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      parser.end();
      resolve();
    };
    body.setEncoding('utf8');
    body.on('data', (chunk) => {
      onChunk?.();
      parser.push(chunk);
    });
    body.on('end', finish);
    body.on('close', finish);
    body.on('error', finish);
  });
}

/** Reads a response's event stream to its end (the transport's direct body when it has one). */
export function readResponseEvents(response: Response, parser: SseParser, onChunk?: () => void): Promise<void> {
  const direct = (response as Response & { [DIRECT_BODY]?: DirectBody })[DIRECT_BODY];
  if (direct !== undefined) return readDirect(direct, parser, onChunk);
  if (response.body === null) return Promise.resolve();
  return readEventStream(response.body, parser, onChunk);
}
