/**
 * The one catalog of stable error codes. Codes never change meaning once released; docs/errors.md
 * documents each one (tools/check-error-docs.ts keeps the two in step).
 */
export const ErrorCode = {
  /** A resource document is malformed or does not match its schema. */
  INVALID_SPEC: 'INVALID_SPEC',
  /** A request body or query parameter is malformed. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** A resource refers to another that does not exist (a Rollout naming a missing Service). */
  UNKNOWN_REFERENCE: 'UNKNOWN_REFERENCE',
  /** The named service does not exist. */
  SERVICE_NOT_FOUND: 'SERVICE_NOT_FOUND',
  /** The named rollout does not exist. */
  ROLLOUT_NOT_FOUND: 'ROLLOUT_NOT_FOUND',
  /** Another writer changed the record first; re-read and retry. */
  VERSION_CONFLICT: 'VERSION_CONFLICT',
  /** The rollout is in a phase where the command does not apply (promote a finished rollout). */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** The change conflicts with the current state (a second active rollout for one service). */
  CONFLICT: 'CONFLICT',
  /** The request has no valid API token (missing, unknown, expired or revoked) and the server asks for one. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The actor may not do this (approve a step that names other approvers). */
  FORBIDDEN: 'FORBIDDEN',
  /** A finished or running rollout's spec cannot change; apply a rollout with a new name. */
  IMMUTABLE_FIELD: 'IMMUTABLE_FIELD',
  /** The spec needs something the configured data plane cannot do (e.g. mirroring where it has none). */
  UNSUPPORTED_CAPABILITY: 'UNSUPPORTED_CAPABILITY',
  /** A rollout's migration SQL lints unsafe, or its expand would break the stable version; refused at apply. */
  UNSAFE_MIGRATION: 'UNSAFE_MIGRATION',
  /** Too many requests or open streams at once; retry after the time the answer says. */
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  /** A request or document exceeds a size limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The route, path or method does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The data plane or runtime could not carry out an action; the controller retries. */
  ADAPTER_FAILED: 'ADAPTER_FAILED',
  /** A control-plane replica whose leadership term ended tried to write (its fencing token is stale); it steps down. */
  FENCED: 'FENCED',
  /** The store (SQLite file or PostgreSQL database) cannot be opened or reached. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** The control plane could not be reached (CLI side). */
  UNREACHABLE: 'UNREACHABLE',
  /** An unexpected failure; the message carries an id that matches the server log. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where a problem is: a file position for specs, a JSON path for API bodies, or both. */
export interface ErrorLocation {
  /** File name as the user gave it (or "<body>" for an API request body). */
  readonly file?: string;
  /** 1-based line and column in that file. */
  readonly line?: number;
  readonly col?: number;
  /** Field path inside the resource, e.g. "spec.strategy.canary.steps[2].setWeight". */
  readonly path?: string;
}

/** One problem found in user input: what was wrong, where, what was found and what is expected. */
export interface Problem extends ErrorLocation {
  readonly message: string;
  readonly found?: string;
  readonly expected?: string;
}

export interface SluiceErrorOptions {
  readonly cause?: unknown;
  /** Individual problems, for validation errors that report many at once. */
  readonly problems?: readonly Problem[];
  /** Extra machine-readable facts (ids, phases) for API clients. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The error every layer throws for expected failures. Anything else is normalised to INTERNAL at the edge. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly problems: readonly Problem[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.problems = options.problems ?? [];
    this.details = options.details ?? {};
  }
}

/** Thrown by stores when `expectedVersion` is stale. Callers catch it by type to re-read and retry. */
export class VersionConflictError extends SluiceError {
  constructor(kind: string, name: string, expected: number, actual: number | undefined) {
    super(
      ErrorCode.VERSION_CONFLICT,
      `${kind} "${name}" was changed by another writer: expected version ${expected}, found ${actual ?? 'none'}`,
      { details: { kind, name, expected, actual: actual ?? null } },
    );
    this.name = 'VersionConflictError';
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError;
}

/** Formats a problem the way compilers do: `file:line:col: path: message (found X, expected Y)`. */
export function formatProblem(problem: Problem): string {
  const where = [problem.file, problem.line, problem.col].filter((p) => p !== undefined).join(':');
  const path = problem.path ? `${problem.path}: ` : '';
  const facts = [
    problem.found === undefined ? undefined : `found ${problem.found}`,
    problem.expected === undefined ? undefined : `expected ${problem.expected}`,
  ].filter((f) => f !== undefined);
  const tail = facts.length > 0 ? ` (${facts.join('; ')})` : '';
  return `${where ? `${where}: ` : ''}${path}${problem.message}${tail}`;
}
