/**
 * Reads the control plane's data-plane stream (server-sent events). The SDK has a full WHATWG parser,
 * but the proxy may import only the domain; this one reads what Sluice's control plane writes:
 * `event:`, `id:`, `data:` lines (LF or CRLF, split anywhere across chunks) and `:` comments.
 */

/** One message of the stream. */
export interface StreamMessage {
  /** The `event:` field, "message" when absent. */
  readonly event: string;
  readonly data: string;
  /** The `id:` field of this message, if it had one. */
  readonly id?: string;
}

/** An incremental parser: feed it decoded text in any chunking, take the complete messages. */
export class EventStreamReader {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  /** The complete messages in `text` (with what earlier chunks left unfinished). */
  push(text: string): StreamMessage[] {
    const out: StreamMessage[] = [];
    this.#buffer += text;
    let start = 0;
    for (;;) {
      const end = this.#buffer.indexOf('\n', start);
      if (end < 0) break;
      const raw = this.#buffer.slice(start, end);
      start = end + 1;
      const message = this.#line(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (message !== undefined) out.push(message);
    }
    this.#buffer = this.#buffer.slice(start);
    return out;
  }

  #line(line: string): StreamMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line.charAt(colon + 1) === ' ' ? colon + 2 : colon + 1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id') this.#id = value;
    return undefined;
  }

  #dispatch(): StreamMessage | undefined {
    const { data, event, id } = { data: this.#data, event: this.#event, id: this.#id };
    this.#data = [];
    this.#event = '';
    this.#id = undefined;
    if (data.length === 0) return undefined;
    return { event: event || 'message', data: data.join('\n'), ...(id === undefined ? {} : { id }) };
  }
}
