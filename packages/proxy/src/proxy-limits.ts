import { ErrorCode, SluiceError } from '@sluice/domain';

/** Size and time limits of one route. Every answer to a limit names it and its value. */
export interface ProxyLimits {
  /** Largest request head (request line and headers) in bytes; more is answered 431. */
  readonly maxHeaderBytes: number;
  /** Largest request body in bytes, counted as it streams (never buffered); more is answered 413. */
  readonly maxBodyBytes: number;
  /** How long opening a connection to an upstream may take; then a retry when safe, else 504. */
  readonly connectTimeoutMs: number;
  /** How long the upstream may take to send response headers once the request is sent (504), and a client to send its request head (408). */
  readonly headersTimeoutMs: number;
  /** Longest silence on the client or upstream socket while a request is in flight; then 408, 504 or a cut stream. */
  readonly idleTimeoutMs: number;
  /** Longest a whole exchange may take: 408 while the client is still sending, 504 before response headers, else a cut stream. 0 disables. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ProxyLimits = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 100 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
});

/** Limits that must be positive; requestTimeoutMs may also be 0 (off). */
const POSITIVE: readonly (keyof ProxyLimits)[] = ['maxHeaderBytes', 'maxBodyBytes', 'connectTimeoutMs', 'headersTimeoutMs', 'idleTimeoutMs'];

/** `base` overridden by the fields `overrides` sets. Throws INVALID_SPEC naming the route and the bad field. */
export function resolveLimits(where: string, base: ProxyLimits, overrides: Partial<ProxyLimits> | undefined): ProxyLimits {
  if (overrides === undefined) return base;
  const limits: ProxyLimits = Object.freeze({ ...base, ...definedOnly(overrides) });
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof ProxyLimits)[]) {
    const value = limits[name];
    const allowsZero = !POSITIVE.includes(name);
    if (!Number.isSafeInteger(value) || value < 0 || (value === 0 && !allowsZero)) {
      throw new SluiceError(
        ErrorCode.INVALID_SPEC,
        `${where}: limit ${name} is ${String(value)}; expected a whole number ${allowsZero ? '≥ 0 (0 turns it off)' : '> 0'}`,
        { details: { limit: name, value: String(value) } },
      );
    }
  }
  return limits;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}
