import { ErrorCode } from '@sluice/domain';
import type { ErrorCause } from './observation.js';
import type { ProxyLimits } from './proxy-limits.js';

/** Why the proxy answered a request itself, and how. */
export interface ProxyFailure {
  readonly status: number;
  /** Catalog code for the JSON body. */
  readonly code: ErrorCode;
  /** Says what went wrong and, for a limit, its name and value. */
  readonly message: string;
  /** Bounded category for metrics. */
  readonly cause: ErrorCause;
  /** The limit that was hit, when one was. */
  readonly limit?: keyof ProxyLimits;
  /** That limit's value. */
  readonly value?: number;
}

const UNITS: Readonly<Record<keyof ProxyLimits, string>> = {
  maxHeaderBytes: 'bytes',
  maxBodyBytes: 'bytes',
  connectTimeoutMs: 'ms',
  headersTimeoutMs: 'ms',
  idleTimeoutMs: 'ms',
  requestTimeoutMs: 'ms',
};

const CODES: Readonly<Record<number, ErrorCode>> = {
  408: ErrorCode.INVALID_REQUEST,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  431: ErrorCode.PAYLOAD_TOO_LARGE,
};

/** A failure caused by a limit: the message ends with the limit's name and value. */
export function limitFailure(status: number, cause: ErrorCause, what: string, limits: ProxyLimits, limit: keyof ProxyLimits): ProxyFailure {
  const value = limits[limit];
  const message = `${what} (limit ${limit} = ${value} ${UNITS[limit]})`;
  return { status, code: CODES[status] ?? ErrorCode.ADAPTER_FAILED, message, cause, limit, value };
}

/** A request rejected for its shape (smuggling, bad framing, unsupported version). */
export function badRequest(message: string, status = 400): ProxyFailure {
  return { status, code: ErrorCode.INVALID_REQUEST, message, cause: 'bad-request' };
}

/** An upstream that failed or a version with no instance: 502, 503 or 504. */
export function upstreamFailure(status: number, cause: ErrorCause, message: string): ProxyFailure {
  return { status, code: ErrorCode.ADAPTER_FAILED, message, cause };
}

/** The JSON body every proxy error carries: `{ "error": { "code", "message", "details"? } }`. */
export function errorBody(failure: ProxyFailure): string {
  const details = failure.limit === undefined ? undefined : { limit: failure.limit, value: failure.value };
  return JSON.stringify({ error: details === undefined ? { code: failure.code, message: failure.message } : { code: failure.code, message: failure.message, details } });
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** A whole HTTP/1.1 response closing the connection, for sockets with no ServerResponse (parse errors). */
export function rawErrorResponse(failure: ProxyFailure): string {
  const body = errorBody(failure);
  return (
    `HTTP/1.1 ${failure.status} ${REASONS[failure.status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'cache-control: no-store\r\nconnection: close\r\n\r\n' +
    body
  );
}
