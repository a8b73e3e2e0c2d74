// Runs wrk and parses its text report (wrk 4.x with --latency).
import { spawn } from 'node:child_process';
import { ErrorCode, SluiceError } from '@sluice/domain';

/** The figures of one wrk run. */
export interface WrkResult {
  /** Completed requests (wrk's "N requests in" line). */
  readonly requests: number;
  /** Requests per second as wrk reports it. */
  readonly rps: number;
  /** Median latency in milliseconds. */
  readonly p50Ms: number;
  /** 99th percentile latency in milliseconds. */
  readonly p99Ms: number;
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
  /** Connect, read, write and timeout errors added up. */
  readonly socketErrors: number;
}

/** How to run wrk once. */
export interface WrkOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  readonly threads: number;
  /** Command prefix that pins wrk to a CPU (e.g. ["taskset", "-c", "1"]); empty for none. */
  readonly pin: readonly string[];
  /** Called with the child's pid once it is spawned, so the caller can kill it on exit. */
  readonly onSpawn?: (pid: number) => void;
}

// Microseconds are divided (43 / 1000 is exactly 0.043; 43 * 0.001 is not).
const UNIT_MS: Readonly<Record<string, (n: number) => number>> = {
  us: (n) => n / 1000, ms: (n) => n, s: (n) => n * 1000, m: (n) => n * 60_000, h: (n) => n * 3_600_000,
};

/** Converts a wrk duration such as "812.00us", "1.25ms" or "2.01s" to milliseconds. */
export function parseWrkDuration(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)$/.exec(text.trim());
  const unit = match === null ? undefined : UNIT_MS[match[2]!];
  if (match === null || unit === undefined) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `wrk duration "${text}" is not understood; expected a number followed by us, ms, s, m or h`);
  }
  return unit(Number(match[1]));
}

/** Extracts requests, rps, p50/p99 and error counts from wrk's stdout. Throws when a needed line is missing. */
export function parseWrkOutput(stdout: string): WrkResult {
  const requests = /^\s*(\d+) requests in /m.exec(stdout);
  const rps = /^Requests\/sec:\s*([0-9.]+)/m.exec(stdout);
  const p50 = /^\s*50(?:\.0+)?%\s+(\S+)/m.exec(stdout);
  const p99 = /^\s*99(?:\.0+)?%\s+(\S+)/m.exec(stdout);
  if (requests === null || rps === null || p50 === null || p99 === null) {
    const missing = [requests === null && 'requests', rps === null && 'Requests/sec', p50 === null && '50%', p99 === null && '99%'].filter(Boolean);
    throw new SluiceError(
      ErrorCode.INVALID_REQUEST,
      `wrk output lacks ${missing.join(', ')}; expected the report of "wrk --latency". Output was:\n${stdout}`,
    );
  }
  const non2xx = /Non-2xx or 3xx responses:\s*(\d+)/.exec(stdout);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    requests: Number(requests[1]),
    rps: Number(rps[1]),
    p50Ms: parseWrkDuration(p50[1]!),
    p99Ms: parseWrkDuration(p99[1]!),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors,
  };
}

/** The argument list of one wrk run (after the pinning prefix). */
export function wrkArgs(options: WrkOptions): string[] {
  return [
    'wrk', `-t${options.threads}`, `-c${options.connections}`, `-d${options.durationSec}s`,
    '--latency', '--timeout', '5s', options.url,
  ];
}

/** Runs wrk to completion and parses its report. Rejects when wrk fails or prints no report. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const [command, ...args] = [...options.pin, ...wrkArgs(options)];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `cannot run wrk: ${error.message}; expected wrk on PATH`, { cause: error })));
    child.once('close', (code, signal) => {
      if (code !== 0) {
        reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `wrk against ${options.url} exited with ${code ?? signal}; expected 0. stderr: ${stderr.trim()}`));
        return;
      }
      try {
        resolve(parseWrkOutput(stdout));
      } catch (error) {
        reject(error);
      }
    });
  });
}
