/** Longest line forwarded from an instance's output; the rest of a longer line is dropped. */
export const MAX_LINE_LENGTH = 4096;

/**
 * Cuts a text stream into lines. Memory stays bounded: a line longer than `maxLength` is emitted
 * truncated (marked with "…") and the remainder up to the next newline is skipped.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLength: number;
  #pending = '';
  #skipping = false;

  constructor(onLine: (line: string) => void, maxLength = MAX_LINE_LENGTH) {
    this.#onLine = onLine;
    this.#maxLength = maxLength;
  }

  /** Feeds a chunk; emits every line it completes. */
  push(chunk: string): void {
    let rest = chunk;
    for (let newline = rest.indexOf('\n'); newline !== -1; newline = rest.indexOf('\n')) {
      this.#take(rest.slice(0, newline), true);
      rest = rest.slice(newline + 1);
    }
    this.#take(rest, false);
  }

  /** Emits the last unterminated line, if any. */
  end(): void {
    if (this.#pending !== '' && !this.#skipping) this.#onLine(this.#pending);
    this.#pending = '';
    this.#skipping = false;
  }

  #take(piece: string, complete: boolean): void {
    if (this.#skipping) {
      if (complete) this.#skipping = false;
      return;
    }
    const line = this.#pending + piece;
    if (line.length > this.#maxLength) {
      this.#onLine(`${line.slice(0, this.#maxLength)}…`);
      this.#pending = '';
      this.#skipping = !complete;
    } else if (complete) {
      this.#onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      this.#pending = '';
    } else {
      this.#pending = line;
    }
  }
}
