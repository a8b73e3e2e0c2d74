import type { Problem } from '@sluice/domain';

/**
 * A failed API call, as docs/api.md describes errors: a stable `code`, a `message`, and details
 * (problems with JSON paths, ids). Network failures and timeouts are UNREACHABLE.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly problems: readonly Problem[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { status?: number; problems?: readonly Problem[]; details?: Readonly<Record<string, unknown>> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = options.status;
    this.problems = options.problems ?? [];
    this.details = options.details ?? {};
  }

  /** The id the server gives every error; for INTERNAL ones it matches a line of its log. */
  get id(): string | undefined {
    const id = this.details['id'];
    return typeof id === 'string' ? id : undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toProblem(value: unknown): Problem[] {
  if (!isRecord(value) || typeof value['message'] !== 'string') return [];
  const text = (key: string) => (typeof value[key] === 'string' ? { [key]: value[key] } : {});
  const num = (key: string) => (typeof value[key] === 'number' ? { [key]: value[key] } : {});
  return [{ message: value['message'], ...text('file'), ...num('line'), ...num('col'), ...text('path'), ...text('found'), ...text('expected') } as Problem];
}

/** Reads an `{ error: { code, message, details } }` answer; anything else becomes an INTERNAL error quoting the body. */
export function errorFromBody(status: number, text: string, what: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  if (error === undefined || typeof error['code'] !== 'string' || typeof error['message'] !== 'string') {
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 160) || '(empty body)';
    return new ApiError('INTERNAL', `Unexpected answer to ${what}: HTTP ${status} ${snippet}`, { status });
  }
  const details = isRecord(error['details']) ? error['details'] : {};
  const problems = Array.isArray(details['problems']) ? details['problems'].flatMap(toProblem) : [];
  const id = typeof error['id'] === 'string' ? { id: error['id'] } : {};
  return new ApiError(error['code'], error['message'], { status, problems, details: { ...details, ...id } });
}

/** Any thrown value as an ApiError: fetch's network failures and timeouts become UNREACHABLE. */
export function toApiError(error: unknown, what = 'the request'): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new ApiError('UNREACHABLE', `The control plane did not answer ${what} in time: check that Sluice is running (npm start)`);
  }
  if (error instanceof TypeError) {
    return new ApiError('UNREACHABLE', `Cannot reach the control plane for ${what}: check that Sluice is running (npm start)`);
  }
  return new ApiError('INTERNAL', error instanceof Error ? error.message : String(error));
}
