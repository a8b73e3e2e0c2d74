import { nextInstance } from './route-table.js';
import type { Pool } from './route-table.js';
import type { UpstreamInstance } from './upstream-instance.js';

/** Error code of an upstream connection that did not open within connectTimeoutMs. */
export const CONNECT_TIMEOUT = 'SLUICE_CONNECT_TIMEOUT';

// Methods whose repetition has the effect of one request (RFC 9110 §9.2.2); resent only without a body.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Errors that end an attempt before the upstream could act on it: worth one resend of a safe request. */
const RESENDABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', CONNECT_TIMEOUT]);
/** Refused connections may try each instance of a version, up to this many attempts in all. */
const MAX_ATTEMPTS = 3;

/** What the retry rule reads and keeps about one request; both forwarding paths' exchanges have these fields. */
export interface RetryState {
  readonly attempts: number;
  retried: boolean;
  tried: UpstreamInstance[] | undefined;
  readonly pool: Pool | undefined;
}

/** The request as the retry rule sees it. */
export interface RetryRequest {
  readonly method: string;
  readonly hasBody: boolean;
  /** Nothing of the request left the proxy (the connection was refused before any byte, body included). */
  readonly nothingSent: boolean;
}

/**
 * Where to resend after a failed attempt, or undefined when it is not safe: a refused connection goes to
 * another instance whatever the method; any other failure resends an idempotent body-less request once.
 */
export function retryTarget(state: RetryState, failed: UpstreamInstance, code: string, request: RetryRequest): UpstreamInstance | undefined {
  if (state.attempts >= MAX_ATTEMPTS) return undefined;
  (state.tried ??= []).push(failed);
  if (code === 'ECONNREFUSED' && request.nothingSent) return untried(state);
  if (state.retried || request.hasBody || !IDEMPOTENT.has(request.method) || !RESENDABLE.has(code)) return undefined;
  state.retried = true;
  // A version with a single instance resends to it (a stale keep-alive socket is the usual cause).
  return untried(state) ?? (failed.available ? failed : undefined);
}

function untried(state: RetryState): UpstreamInstance | undefined {
  const pool = state.pool;
  if (pool === undefined) return undefined;
  for (let i = 0; i < pool.instances.length; i++) {
    const candidate = nextInstance(pool);
    if (candidate === undefined) return undefined;
    if (!state.tried!.includes(candidate)) return candidate;
  }
  return undefined;
}
