import { createServer } from 'node:net';
import { ManualClock } from '@sluice/domain';
import { main } from '../main.js';
import { captureIo } from './capture-io.js';
import { T0 } from './fixtures.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The intervals `sleep` was called with, one per poll wait. */
  readonly sleeps: readonly number[];
}

/** Runs `sluice <args>` in-process against `url`, with a clock at T0 and no real waiting. */
export async function runCli(
  args: readonly string[],
  options: { url?: string; env?: Record<string, string>; isTTY?: boolean; columns?: number; clock?: ManualClock } = {},
): Promise<CliRun> {
  const sleeps: number[] = [];
  const clock = options.clock ?? new ManualClock(T0);
  const io = captureIo({
    env: { ...(options.url === undefined ? {} : { SLUICE_URL: options.url }), SLUICE_ACTOR: 'alice', ...options.env },
    isTTY: options.isTTY ?? false,
    columns: options.columns ?? 0,
    clock,
    onSleep: (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  const code = await main(['node', 'sluice', ...args], io);
  return { code, out: io.out(), err: io.err(), sleeps };
}

/** An address where nothing listens: a port that was free a moment ago. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
