// Finds where a chunked message body (RFC 9112 §7.1) ends, so the proxy can relay its bytes unchanged
// and know when the upstream connection is free again. It validates the framing as it goes: an upstream
// that sends a malformed chunked body is cut, never passed on to a client that might read it otherwise.

const SIZE = 0;
const SIZE_MORE = 1;
const EXTENSION = 2;
const SIZE_LF = 3;
const DATA = 4;
const DATA_CR = 5;
const DATA_LF = 6;
const TRAILER_START = 7;
const TRAILER_LINE = 8;
const TRAILER_LF = 9;
const END_LF = 10;

/** Returned by scan when the body needs more bytes. */
export const NEED_MORE = -1;
/** Returned by scan when the framing is malformed. */
export const MALFORMED = -2;

// A chunk size above this is refused (and 2^48 keeps the arithmetic exact).
const MAX_CHUNK = 2 ** 48;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

export class ChunkedScanner {
  #state = SIZE;
  #size = 0;
  #remaining = 0;
  /** The chunk being read is the last (size 0): trailers follow. */
  #last = false;

  /** Starts over for a new message. */
  reset(): void {
    this.#state = SIZE;
    this.#size = 0;
    this.#remaining = 0;
    this.#last = false;
  }

  /** Scans buf[from..end): the index just past the message's end, NEED_MORE, or MALFORMED. */
  scan(buf: Buffer, from: number, end: number): number {
    let at = from;
    while (at < end) {
      if (this.#state === DATA) {
        const take = Math.min(this.#remaining, end - at);
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = DATA_CR;
        continue;
      }
      const next = this.#step(buf[at]!);
      if (next === MALFORMED) return MALFORMED;
      at++;
      if (next === 1) return at;
    }
    return NEED_MORE;
  }

  /** One byte outside chunk data: 1 when the message ended with it, 0 to go on, MALFORMED. */
  #step(b: number): number {
    switch (this.#state) {
      case SIZE:
      case SIZE_MORE:
        return this.#sizeByte(b);
      case EXTENSION:
        // Extensions are passed on unchanged; only their end matters. A bare LF is not an end.
        if (b === 13) this.#state = SIZE_LF;
        else if (b === 10 || b === 0) return MALFORMED;
        return 0;
      case SIZE_LF:
        return b === 10 ? this.#chunkStart() : MALFORMED;
      case DATA_CR:
        if (b !== 13) return MALFORMED;
        this.#state = DATA_LF;
        return 0;
      case DATA_LF:
        if (b !== 10) return MALFORMED;
        this.#state = SIZE;
        this.#size = 0;
        return 0;
      default:
        return this.#trailerByte(b);
    }
  }

  #sizeByte(b: number): number {
    const digit = hexValue(b);
    if (digit >= 0) {
      this.#size = this.#size * 16 + digit;
      this.#state = SIZE_MORE;
      return this.#size > MAX_CHUNK ? MALFORMED : 0;
    }
    if (this.#state === SIZE) return MALFORMED;
    if (b === 13) this.#state = SIZE_LF;
    else if (b === 0x3b || b === 0x20 || b === 9) this.#state = EXTENSION;
    else return MALFORMED;
    return 0;
  }

  #chunkStart(): number {
    if (this.#size === 0) {
      this.#last = true;
      this.#state = TRAILER_START;
      return 0;
    }
    this.#remaining = this.#size;
    this.#state = DATA;
    return 0;
  }

  #trailerByte(b: number): number {
    switch (this.#state) {
      case TRAILER_START:
        if (b === 13) this.#state = END_LF;
        else if (b === 10 || b === 0) return MALFORMED;
        else this.#state = TRAILER_LINE;
        return 0;
      case TRAILER_LINE:
        if (b === 13) this.#state = TRAILER_LF;
        else if (b === 10 || b === 0) return MALFORMED;
        return 0;
      case TRAILER_LF:
        if (b !== 10) return MALFORMED;
        this.#state = TRAILER_START;
        return 0;
      case END_LF:
        return b === 10 && this.#last ? 1 : MALFORMED;
      default:
        return MALFORMED;
    }
  }
}
