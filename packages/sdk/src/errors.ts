/** Why the client could not reach, or understand, the server. */
export type SluiceErrorCode =
  /** 401/403: the token is missing or wrong. Fatal: retried only slowly. */
  | 'UNAUTHORIZED'
  /** 400/404: the environment does not exist. Fatal: retried only slowly. */
  | 'BAD_ENVIRONMENT'
  /** A network error, a timeout or a 5xx: retried with backoff. */
  | 'NETWORK'
  /** The server sent something that is not the protocol (bad JSON, unknown shape). */
  | 'PARSE'
  /** track() was called with an event the server would reject (name, key or value); the event was dropped. */
  | 'INVALID_EVENT'
  /** The server refused a metrics or events POST as invalid (400); that batch was dropped. */
  | 'REJECTED';

export class SluiceError extends Error {
  override readonly name = 'SluiceError';
  constructor(
    readonly code: SluiceErrorCode,
    message: string,
    /** The HTTP status, when the error came from a response. */
    readonly status?: number,
  ) {
    super(message);
  }

  /** True for the errors that retrying soon will not fix. */
  get fatal(): boolean {
    return this.code === 'UNAUTHORIZED' || this.code === 'BAD_ENVIRONMENT';
  }
}

/** Classifies a non-2xx response status. */
export function errorForStatus(status: number, what: string): SluiceError {
  if (status === 401 || status === 403) return new SluiceError('UNAUTHORIZED', `${what}: ${status} (check the token)`, status);
  if (status === 400 || status === 404) return new SluiceError('BAD_ENVIRONMENT', `${what}: ${status} (check the url and environment)`, status);
  return new SluiceError('NETWORK', `${what}: HTTP ${status}`, status);
}

/** Classifies a non-2xx answer to a metrics or events POST. */
export function errorForPost(status: number, what: string): SluiceError {
  if (status === 400 || status === 413) return new SluiceError('REJECTED', `${what}: ${status} (the batch was dropped)`, status);
  return errorForStatus(status, what);
}

/** Wraps whatever fetch threw as a NETWORK error. */
export function networkError(what: string, cause: unknown): SluiceError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SluiceError('NETWORK', `${what}: ${detail}`);
}
