import type { TextSink } from '../cli-io.js';
import { truncate } from './table.js';

const CSI = '\x1b[';

/**
 * Redraws a block of lines in place on a terminal: moves the cursor up over the previous frame and
 * rewrites each line, instead of clearing the screen, so the scrollback above stays intact.
 */
export class LiveFrame {
  readonly #sink: TextSink;
  readonly #columns: number;
  #height = 0;

  constructor(sink: TextSink, columns: number) {
    this.#sink = sink;
    this.#columns = columns;
  }

  /** Replaces the previous frame with `lines`. Lines are cut to the terminal width so none wraps. */
  draw(lines: readonly string[]): void {
    let out = this.#height > 0 ? `\r${CSI}${this.#height}A` : '';
    for (const line of lines) out += `${CSI}2K${truncate(line, this.#columns - 1)}\n`;
    // A shorter frame leaves old lines below it: clear from the cursor to the end of the screen.
    if (lines.length < this.#height) out += `${CSI}J`;
    this.#height = lines.length;
    this.#sink.write(out);
  }
}
