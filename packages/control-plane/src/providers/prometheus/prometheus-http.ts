import { ErrorCode, SluiceError } from '@sluice/domain';
import { readLimited } from '../http-body.js';

/** Network failures that mean "cannot connect", as opposed to a source that answered badly. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The caller's signal and the request timeout, combined; kept apart so a failure can say which fired. */
export interface RequestSignal {
  readonly signal: AbortSignal;
  readonly caller: AbortSignal | undefined;
  readonly timeout: AbortSignal;
}

export function requestSignal(timeoutMs: number, caller: AbortSignal | undefined): RequestSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: caller ? AbortSignal.any([caller, timeout]) : timeout, caller, timeout };
}

/** One HTTP exchange with Prometheus: what to send and how to describe it in errors. */
export interface PrometheusRequest {
  readonly url: URL;
  /** Form fields; present → POST application/x-www-form-urlencoded, absent → GET. */
  readonly form?: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Prefix of every error message, e.g. `prometheus: query "up"`. */
  readonly where: string;
}

export interface PrometheusReply {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/**
 * Sends the request and reads the body (at most `maxBodyBytes`). Any HTTP status is returned — Prometheus
 * explains its 4xx/5xx answers in a JSON body. Rejects with UNREACHABLE when it cannot connect and
 * ADAPTER_FAILED for a timeout, an abort or an oversized body.
 */
export async function sendPrometheus(request: PrometheusRequest, caller: AbortSignal | undefined): Promise<PrometheusReply> {
  const signals = requestSignal(request.timeoutMs, caller);
  try {
    if (signals.signal.aborted) throw signals.signal.reason;
    const init: RequestInit = request.form === undefined
      ? { method: 'GET', headers: { accept: 'application/json', ...request.headers }, signal: signals.signal }
      : { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...request.headers }, body: request.form.toString(), signal: signals.signal };
    const response = await fetch(request.url, init);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > request.maxBodyBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw adapterFailed(`${request.where}: the response is ${declared} bytes, over the ${request.maxBodyBytes}-byte limit`);
    }
    const { text, truncated } = await readLimited(response, request.maxBodyBytes);
    if (truncated) throw adapterFailed(`${request.where}: the response is over the ${request.maxBodyBytes}-byte limit`);
    return { status: response.status, statusText: response.statusText, body: text };
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    const code = isConnectError(error) ? ErrorCode.UNREACHABLE : ErrorCode.ADAPTER_FAILED;
    throw new SluiceError(code, `${request.where}: ${describeFetchError(error, signals, request.timeoutMs)}`, { cause: error });
  }
}


export function isConnectError(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && CONNECT_ERRORS.has(code);
}

export function describeFetchError(error: unknown, signals: RequestSignal, timeoutMs: number): string {
  if (signals.caller?.aborted) return 'aborted by the caller';
  if (signals.timeout.aborted) return `timed out after ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const parts = cause ? [cause.code, cause.message].filter((p): p is string => typeof p === 'string') : [];
  const causeText = parts.length > 0 ? ` (${parts.join(': ')})` : '';
  return `${error instanceof Error ? error.message : String(error)}${causeText}`;
}

export function adapterFailed(message: string, cause?: unknown): SluiceError {
  return new SluiceError(ErrorCode.ADAPTER_FAILED, message, cause === undefined ? {} : { cause });
}

/** A short, quoted preview of a body for error messages. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
