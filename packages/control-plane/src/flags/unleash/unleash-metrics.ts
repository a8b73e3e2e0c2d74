import { ErrorCode, SluiceError, type FlagUsage } from '@sluice/domain';

/** At most this many toggles in one metrics bucket. */
export const MAX_TOGGLES = 10_000;
/** At most this many registered SDK instances are remembered (the oldest are forgotten first). */
export const MAX_REGISTRATIONS = 1000;
const MAX_NAME = 200;

/** One counted bucket of an Unleash SDK: per toggle, evaluations that said yes and no. */
export interface MetricsBucket {
  readonly appName: string;
  readonly instanceId: string | undefined;
  readonly stop: number;
  readonly toggles: ReadonlyMap<string, { readonly yes: number; readonly no: number }>;
}

/** What `POST /api/client/register` told Sluice about an SDK instance. */
export interface ClientRegistration {
  readonly appName: string;
  readonly instanceId: string;
  readonly environment: string;
  readonly sdkVersion: string | undefined;
  readonly strategies: readonly string[];
  readonly started: string | undefined;
  readonly interval: number | undefined;
  /** Milliseconds since the epoch of the last registration. */
  readonly registeredAt: number;
}

function bad(path: string, message: string, expected: string): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, `Invalid ${path === '$' ? 'body' : path}: ${message}`, { problems: [{ path, message, expected }] });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(body: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw bad(`$.${key}`, 'missing', `a string of 1 to ${MAX_NAME} characters`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME) throw bad(`$.${key}`, 'not a string of the right length', `a string of 1 to ${MAX_NAME} characters`);
  return value;
}

function time(value: unknown, path: string): number {
  const at = typeof value === 'string' || typeof value === 'number' ? new Date(value).getTime() : Number.NaN;
  if (!Number.isFinite(at)) throw bad(path, 'not a date', 'an ISO-8601 date-time');
  return at;
}

function count(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw bad(path, `${JSON.stringify(value) ?? 'nothing'} is not a non-negative integer`, 'a non-negative integer');
}

function togglePath(name: string): string {
  return `$.bucket.toggles[${JSON.stringify(name)}]`;
}

function readToggle(name: string, raw: unknown): { yes: number; no: number } {
  const path = togglePath(name);
  if (name.length === 0 || name.length > MAX_NAME) throw bad(path, 'toggle name of the wrong length', `a name of 1 to ${MAX_NAME} characters`);
  if (!isObject(raw)) throw bad(path, 'not an object', '{ yes, no, variants }');
  const yes = count(raw['yes'] ?? 0, `${path}.yes`);
  const no = count(raw['no'] ?? 0, `${path}.no`);
  const variants = raw['variants'];
  if (variants !== undefined && variants !== null) {
    if (!isObject(variants)) throw bad(`${path}.variants`, 'not an object', 'a map of variant name to count');
    for (const [variant, n] of Object.entries(variants)) count(n, `${path}.variants[${JSON.stringify(variant)}]`);
  }
  return { yes, no };
}

/** Reads and checks a metrics body: `{ appName, instanceId, bucket: { start, stop, toggles } }`. */
export function parseMetrics(body: Record<string, unknown>): MetricsBucket {
  const appName = text(body, 'appName', true) as string;
  const instanceId = text(body, 'instanceId', false);
  const bucket = body['bucket'];
  if (!isObject(bucket)) throw bad('$.bucket', 'missing or not an object', '{ start, stop, toggles }');
  const start = time(bucket['start'], '$.bucket.start');
  const stop = time(bucket['stop'], '$.bucket.stop');
  if (stop < start) throw bad('$.bucket.stop', 'before start', 'a date-time not before bucket.start');
  const raw = bucket['toggles'];
  if (!isObject(raw)) throw bad('$.bucket.toggles', 'missing or not an object', 'a map of toggle name to { yes, no, variants }');
  const names = Object.keys(raw);
  if (names.length > MAX_TOGGLES) throw bad('$.bucket.toggles', `${names.length} toggles`, `at most ${MAX_TOGGLES} toggles`);
  const toggles = new Map<string, { yes: number; no: number }>();
  for (const name of names) toggles.set(name, readToggle(name, raw[name]));
  return { appName, instanceId, stop, toggles };
}

/**
 * The usage rows of a bucket for `environment`: only flags that exist (an SDK may count names the
 * server never had) and with at least one evaluation, dated at the bucket's stop but never after
 * `now` (a client clock ahead, or a forged date, must not keep a flag looking used).
 */
export function usageOf(bucket: MetricsBucket, environment: string, known: ReadonlySet<string>, now: number): FlagUsage[] {
  const usage: FlagUsage[] = [];
  const lastEvaluatedAt = Math.min(bucket.stop, now);
  for (const [flag, { yes, no }] of bucket.toggles) {
    if (known.has(flag) && yes + no > 0) usage.push({ flag, environment, evaluations: yes + no, lastEvaluatedAt });
  }
  return usage;
}

/** Reads and checks a register body. */
export function parseRegistration(body: Record<string, unknown>, environment: string, now: number): ClientRegistration {
  const appName = text(body, 'appName', true) as string;
  const instanceId = text(body, 'instanceId', false) ?? 'unknown';
  const raw = body['strategies'] ?? [];
  if (!Array.isArray(raw) || raw.length > 100 || raw.some((s) => typeof s !== 'string' || s.length > MAX_NAME)) {
    throw bad('$.strategies', 'not a list of strategy names', 'a list of at most 100 strategy names');
  }
  const started = body['started'];
  if (started !== undefined && started !== null) time(started, '$.started');
  const interval = body['interval'];
  if (interval !== undefined && interval !== null) count(interval, '$.interval');
  return {
    appName,
    instanceId,
    environment,
    sdkVersion: text(body, 'sdkVersion', false),
    strategies: raw as string[],
    started: typeof started === 'string' ? started : typeof started === 'number' ? new Date(started).toISOString() : undefined,
    interval: typeof interval === 'number' ? interval : undefined,
    registeredAt: now,
  };
}

/** The SDK instances that registered, newest registration last; bounded, in memory only. */
export class ClientRegistrations {
  readonly #byKey = new Map<string, ClientRegistration>();

  record(registration: ClientRegistration): void {
    const key = JSON.stringify([registration.environment, registration.appName, registration.instanceId]);
    this.#byKey.delete(key);
    this.#byKey.set(key, registration);
    while (this.#byKey.size > MAX_REGISTRATIONS) {
      const oldest = this.#byKey.keys().next().value;
      if (oldest === undefined) break;
      this.#byKey.delete(oldest);
    }
  }

  list(): ClientRegistration[] {
    return [...this.#byKey.values()];
  }
}

const registries = new WeakMap<object, ClientRegistrations>();

/**
 * The registrations of the API that serves `owner` (its store): the Unleash routes record them, and
 * a route such as `GET /api/v1/flags/clients` can list them with `clientRegistrationsOf(deps.store)`.
 */
export function clientRegistrationsOf(owner: object): ClientRegistrations {
  let registry = registries.get(owner);
  if (registry === undefined) {
    registry = new ClientRegistrations();
    registries.set(owner, registry);
  }
  return registry;
}
