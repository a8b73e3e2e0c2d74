import { ErrorCode, formatProblem, isSluiceError } from '@sluice/domain';
import { writeLine, type CliIo } from './cli-io.js';

export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** The operation failed: the server refused it, could not be reached, or a rollout ended badly. */
  Failed: 1,
  /** Bad usage or bad input: fix the command line or the files and run again. */
  Usage: 2,
  /** `rollout run --wait`: the timeout passed first; the rollout keeps running. */
  Timeout: 3,
  /** Interrupted (Ctrl-C) while waiting; what was asked of the server stands. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BAD_INPUT: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.INVALID_SPEC,
  ErrorCode.INVALID_REQUEST,
  ErrorCode.UNKNOWN_REFERENCE,
  ErrorCode.UNSUPPORTED_CAPABILITY,
  ErrorCode.UNSAFE_MIGRATION,
  ErrorCode.PAYLOAD_TOO_LARGE,
]);

export function exitCodeFor(error: unknown): ExitCode {
  return isSluiceError(error) && BAD_INPUT.has(error.code) ? ExitCode.Usage : ExitCode.Failed;
}

/**
 * Prints an error the way a person can act on it: every problem on its own line
 * (`file:line:col: path: message (found X; expected Y)`), then one summary line. Stack traces only
 * with SLUICE_DEBUG=1, and only for errors nobody expected.
 */
export function reportError(io: CliIo, error: unknown): ExitCode {
  const debug = io.env['SLUICE_DEBUG'] === '1';
  if (isSluiceError(error)) {
    for (const problem of error.problems) writeLine(io.stderr, formatProblem(problem));
    writeLine(io.stderr, `error: ${error.message}`);
    if (debug && error.cause !== undefined) writeLine(io.stderr, describeCause(error.cause));
    return exitCodeFor(error);
  }
  if (debug) {
    writeLine(io.stderr, error instanceof Error ? (error.stack ?? error.message) : String(error));
  } else {
    const message = error instanceof Error ? error.message : String(error);
    writeLine(io.stderr, `error: ${firstLine(message)} (run with SLUICE_DEBUG=1 for details)`);
  }
  return ExitCode.Failed;
}

function describeCause(cause: unknown): string {
  return `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
