import type { Clock } from '@sluice/domain';

/** Where a command writes text. */
export interface TextSink {
  /** Writes `text` as is (callers add newlines). */
  write(text: string): unknown;
}

/** Everything the CLI touches outside itself, injectable so tests run `main()` in-process. */
export interface CliIo {
  /** Results: what scripts parse. */
  readonly stdout: TextSink;
  /** Diagnostics, notes and errors. */
  readonly stderr: TextSink;
  /** Environment variables (SLUICE_URL, SLUICE_DEBUG, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stdout is a terminal that can be redrawn in place. */
  readonly isTTY: boolean;
  /** Terminal width in columns; 0 when unknown (piped). */
  readonly columns: number;
  /** Source for `-f -`; defaults to process.stdin. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Time for ages and countdowns; defaults to the system clock. */
  readonly clock?: Clock;
  /** Waits between polls; defaults to a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns ?? 0,
  };
}

export const systemClock: Clock = { now: () => Date.now() };

export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes one line to a sink. */
export function writeLine(sink: TextSink, line = ''): void {
  sink.write(`${line}\n`);
}
