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
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 && this.#sawCr && i === start && this.#buffer === '') {
        // the LF of a CRLF whose CR ended the previous line
        this.#sawCr = false;
        start = i + 1;
        continue;
      }
      this.#sawCr = false;
      if (c !== 10 && c !== 13) continue;
      this.#line(this.#buffer + text.slice(start, i));
      this.#buffer = '';
      this.#sawCr = c === 13;
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
