import { open, stat, type FileHandle } from 'node:fs/promises';

/** Limits of the tail: how often the file is read, the longest line kept, the most read at once. */
export interface TailOptions {
  readonly intervalMs?: number;
  readonly maxLineBytes?: number;
  readonly maxReadBytes?: number;
}

/**
 * Follows a growing log file and hands over each complete line, like `tail -F`: reads only what was
 * appended since the last poll, starts again at 0 when the file was truncated, and when the file was
 * rotated (a new inode under the path) finishes the old file before following the new one. A line
 * longer than maxLineBytes is dropped; at most maxReadBytes are read per poll, so memory stays bounded.
 */
export class AccessLogTail {
  readonly #path: string;
  readonly #onLine: (line: string) => void;
  readonly #intervalMs: number;
  readonly #maxLine: number;
  readonly #buffer: Buffer;
  #file: FileHandle | undefined;
  #inode = -1;
  #offset = 0;
  #partial = '';
  #dropping = false;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> = Promise.resolve();

  constructor(path: string, onLine: (line: string) => void, options: TailOptions = {}) {
    this.#path = path;
    this.#onLine = onLine;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#maxLine = options.maxLineBytes ?? 64 * 1024;
    this.#buffer = Buffer.alloc(options.maxReadBytes ?? 1024 * 1024);
  }

  /** Starts following from the current end of the file (earlier lines were someone else's). */
  async start(): Promise<void> {
    if (this.#timer !== undefined) return;
    const info = await stat(this.#path).catch(() => undefined);
    if (info !== undefined) {
      this.#file = await open(this.#path, 'r');
      this.#inode = info.ino;
      this.#offset = info.size;
    }
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Reads what was appended now (also called by the timer). Resolves when it has been handed over. */
  poll(): Promise<void> {
    this.#polling = this.#polling.then(() => this.#poll()).catch(() => undefined);
    return this.#polling;
  }

  async #poll(): Promise<void> {
    const info = await stat(this.#path).catch(() => undefined);
    if (info !== undefined && info.ino !== this.#inode) {
      if (this.#file !== undefined) await this.#drain();
      await this.#file?.close();
      this.#file = await open(this.#path, 'r');
      this.#inode = info.ino;
      this.#offset = 0;
      this.#partial = '';
    } else if (info !== undefined && info.size < this.#offset) {
      this.#offset = 0;
      this.#partial = '';
    }
    if (this.#file !== undefined) await this.#drain();
  }

  /** Reads the open file to its end, one bounded chunk at a time. */
  async #drain(): Promise<void> {
    for (;;) {
      const file = this.#file;
      if (file === undefined) return;
      const { bytesRead } = await file.read(this.#buffer, 0, this.#buffer.length, this.#offset);
      if (bytesRead === 0) return;
      this.#offset += bytesRead;
      this.#split(this.#buffer.toString('utf8', 0, bytesRead));
      if (bytesRead < this.#buffer.length) return;
    }
  }

  #split(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.#dropping) this.#dropping = false;
      else if (line !== '') this.#onLine(line);
    }
    if (this.#partial.length > this.#maxLine) {
      this.#partial = '';
      this.#dropping = true;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#polling;
    await this.#file?.close();
    this.#file = undefined;
  }
}
