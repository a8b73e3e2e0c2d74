import { validateHeaderName, validateHeaderValue } from 'node:http';
import { ErrorCode, evaluateCondition, LOAD_LIMITS, SluiceError, type Clock, type LoadRequest, type ParsedCondition } from '@sluice/domain';
import { LOAD_CONDITION_VARIABLES } from './load-stats.js';
import { checkLoadTargets } from './load-targets.js';

/** What a load generator is asked to do. */
export interface LoadOptions {
  /** Base URLs (e.g. "http://127.0.0.1:9102"), used round-robin. */
  readonly targets: readonly string[];
  /** Hosts besides loopback that targets may name (the hosts of the service's upstreams). */
  readonly allowedHosts?: readonly string[];
  readonly rps: number;
  readonly durationMs: number;
  readonly requests: readonly LoadRequest[];
  /** Per request, from sending it to reading the last byte of the response. */
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Checked once a second over the running totals (after the first 10 completed requests). */
  readonly stopWhen?: ParsedCondition;
  /** A monotonic time source in ms for pacing and latency (default: performance.now). */
  readonly clock?: Clock;
}

/** Longest per-request timeout. */
export const MAX_LOAD_TIMEOUT_MS = 300_000;
/** Largest request body. */
export const MAX_LOAD_BODY_BYTES = 1024 * 1024;
/** Most headers on one request of the mix. */
export const MAX_LOAD_HEADERS = 64;
const MAX_PATH_LENGTH = 8192;
const MAX_WEIGHT = 1_000_000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
/** Origin-form: starts with "/", visible ASCII only (no spaces or control characters). */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;

/** One request of the mix, checked and ready to send. */
export interface PreparedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  readonly weight: number;
}

/** A target split into what node:http needs. */
export interface PreparedTarget {
  readonly hostname: string;
  readonly port: number;
  /** The target's own path without a trailing "/", put before each request's path. */
  readonly prefix: string;
}

export interface PreparedLoad {
  readonly targets: readonly PreparedTarget[];
  readonly requests: readonly PreparedRequest[];
  readonly rps: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly stopWhen: ParsedCondition | undefined;
}

function invalid(field: string, message: string): SluiceError {
  return new SluiceError(ErrorCode.INVALID_SPEC, `load: ${field} ${message}`, { problems: [{ message, path: field }], details: { field } });
}

function checkNumber(field: string, value: number, min: number, max: number, integer = false): number {
  const ok = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) throw invalid(field, `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (found ${String(value)})`);
  return value;
}

/** Checks the headers; messages name the header, never its value (it may be a credential). */
function prepareHeaders(field: string, headers: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_LOAD_HEADERS) throw invalid(field, `has ${entries.length} headers (at most ${MAX_LOAD_HEADERS})`);
  for (const [name, value] of entries) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      throw invalid(`${field}.${name.slice(0, 64)}`, 'is not a valid HTTP header name and value');
    }
  }
  return Object.fromEntries(entries);
}

function prepareRequest(request: LoadRequest, index: number): PreparedRequest {
  const field = `requests[${index}]`;
  if (!TOKEN.test(request.method)) throw invalid(`${field}.method`, 'must be an HTTP method token such as GET');
  if (request.path.length > MAX_PATH_LENGTH || !ORIGIN_FORM.test(request.path)) {
    throw invalid(`${field}.path`, `must start with "/" and hold only visible ASCII characters (at most ${MAX_PATH_LENGTH})`);
  }
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  if (body !== undefined && body.length > MAX_LOAD_BODY_BYTES) throw invalid(`${field}.body`, `is ${body.length} bytes (at most ${MAX_LOAD_BODY_BYTES})`);
  const weight = checkNumber(`${field}.weight`, request.weight, Number.MIN_VALUE, MAX_WEIGHT);
  return { method: request.method.toUpperCase(), path: request.path, headers: prepareHeaders(`${field}.headers`, request.headers), body, weight };
}

/** The condition may use only the load variables and must evaluate (to a verdict) over all-zero totals. */
function checkStopWhen(stopWhen: ParsedCondition | undefined): ParsedCondition | undefined {
  if (stopWhen === undefined) return undefined;
  const unknown = stopWhen.names.filter((n) => !LOAD_CONDITION_VARIABLES.includes(n));
  if (unknown.length > 0) {
    throw invalid('stopWhen', `uses unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${LOAD_CONDITION_VARIABLES.join(', ')})`);
  }
  const zeros = Object.fromEntries(LOAD_CONDITION_VARIABLES.map((n) => [n, 0]));
  try {
    evaluateCondition(stopWhen, zeros);
  } catch (error) {
    throw invalid('stopWhen', `cannot be evaluated: ${error instanceof Error ? error.message : String(error)}`);
  }
  return stopWhen;
}

function prepareTarget(url: URL): PreparedTarget {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { hostname, port: url.port === '' ? 80 : Number(url.port), prefix: url.pathname.replace(/\/+$/, '') };
}

/** Checks every input against LOAD_LIMITS and the target policy. Throws SluiceError(INVALID_SPEC). */
export function prepareLoad(options: LoadOptions): PreparedLoad {
  const targets = checkLoadTargets(options.targets, options.allowedHosts ?? []).map(prepareTarget);
  const count = options.requests.length;
  if (count === 0 || count > LOAD_LIMITS.maxRequests) throw invalid('requests', `must hold 1 to ${LOAD_LIMITS.maxRequests} requests (found ${count})`);
  return {
    targets,
    requests: options.requests.map(prepareRequest),
    rps: checkNumber('rps', options.rps, Number.MIN_VALUE, LOAD_LIMITS.maxRps),
    durationMs: checkNumber('durationMs', options.durationMs, 0, LOAD_LIMITS.maxDurationMs),
    timeoutMs: checkNumber('timeoutMs', options.timeoutMs, 1, MAX_LOAD_TIMEOUT_MS),
    maxInFlight: checkNumber('maxInFlight', options.maxInFlight, 1, LOAD_LIMITS.maxInFlight, true),
    stopWhen: checkStopWhen(options.stopWhen),
  };
}

/**
 * Picks requests in proportion to their weights, deterministically and evenly spread (smooth weighted
 * round-robin, as nginx balances upstreams): weights 3 and 1 give a, a, b, a, a, a, b, a, …
 */
export class WeightedPicker {
  readonly #weights: readonly number[];
  readonly #current: number[];
  readonly #total: number;

  constructor(weights: readonly number[]) {
    this.#weights = weights;
    this.#current = weights.map(() => 0);
    this.#total = weights.reduce((a, b) => a + b, 0);
  }

  next(): number {
    let best = 0;
    for (let i = 0; i < this.#weights.length; i++) {
      this.#current[i] = (this.#current[i] ?? 0) + (this.#weights[i] ?? 0);
      if ((this.#current[i] ?? 0) > (this.#current[best] ?? 0)) best = i;
    }
    this.#current[best] = (this.#current[best] ?? 0) - this.#total;
    return best;
  }
}
