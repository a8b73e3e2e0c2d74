import { randomBytes } from 'node:crypto';
import { ErrorCode, isSluiceError, SluiceError } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';

/** HTTP status for each error code: the one table (docs/api.md mirrors it). */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_SPEC: 400,
  INVALID_REQUEST: 400,
  UNKNOWN_REFERENCE: 400,
  UNSUPPORTED_CAPABILITY: 400,
  UNSAFE_MIGRATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SERVICE_NOT_FOUND: 404,
  ROLLOUT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  IMMUTABLE_FIELD: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  ADAPTER_FAILED: 503,
  FENCED: 503,
  STORE_UNAVAILABLE: 503,
  UNREACHABLE: 503,
  INTERNAL: 500,
};

export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly id: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

/**
 * Normalises anything thrown into the API error shape. Unknown throwables become INTERNAL with an id
 * that matches the server log line; their message (which may hold internals) is not sent.
 */
export function toErrorResponse(error: unknown, log: Logger): { status: number; body: ErrorBody } {
  const id = randomBytes(4).toString('hex');
  const known: SluiceError = isSluiceError(error)
    ? error
    : new SluiceError(ErrorCode.INTERNAL, `Internal error (id ${id}); the server log has the details`);
  if (!isSluiceError(error)) log.error('unexpected error', { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  const details = known.problems.length > 0 ? { ...known.details, problems: known.problems } : known.details;
  return {
    status: STATUS_BY_CODE[known.code],
    body: { error: { code: known.code, message: known.message, id, details } },
  };
}
