import { ManualClock } from '@sluice/domain';
import type { CliIo } from '../cli-io.js';

export interface CapturedIo extends CliIo {
  readonly clock: ManualClock;
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** An io for `main()` that records output, reads stdin from a string, and never waits. */
export function captureIo(options: {
  env?: Record<string, string>;
  isTTY?: boolean;
  columns?: number;
  stdin?: string;
  clock?: ManualClock;
  onSleep?: (ms: number) => void;
} = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    columns: options.columns ?? 0,
    stdin: (async function* () {
      if (options.stdin !== undefined) yield options.stdin;
    })(),
    clock: options.clock ?? new ManualClock(),
    sleep: async (ms) => options.onSleep?.(ms),
    out: () => out,
    err: () => err,
  };
}
