import { checkSplit, ErrorCode, isSluiceError, SluiceError, type DataPlaneReport, type Problem, type TrafficSplit } from '@sluice/domain';
import type { ErrorCause, ProxyObservation } from '@sluice/proxy';
import { parseJsonObject } from '../http/request-input.js';

/** Body limits: 10,000 services or observations fit comfortably. */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
export const MAX_OBSERVATIONS_BYTES = 8 * 1024 * 1024;
export const MAX_REPORT_SERVICES = 10_000;
export const MAX_OBSERVATIONS_PER_CALL = 10_000;
/** A stickiness key longer than this is dropped (the observation is kept). */
export const MAX_OBSERVATION_KEY = 256;
const MAX_NAME = 253;
const MAX_TEXT = 1000;
/** Problems listed at most per answer: a body with 10,000 bad entries does not make a 10,000-line error. */
const MAX_PROBLEMS = 20;
const CAUSES: ReadonlySet<string> = new Set<ErrorCause>(['refused', 'timeout', 'reset', 'no-endpoint', 'limit', 'bad-request', 'other']);
const PRINTABLE_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?$/;

/** Collects problems with their JSON paths; `done()` throws INVALID_REQUEST when any were found. */
class Problems {
  readonly list: Problem[] = [];
  #more = 0;

  add(path: string, message: string, found: unknown, expected: string): void {
    if (this.list.length >= MAX_PROBLEMS) {
      this.#more++;
      return;
    }
    const text = found === undefined ? 'nothing' : found === null ? 'null' : typeof found === 'string' ? JSON.stringify(found.slice(0, 60)) : typeof found === 'object' ? (Array.isArray(found) ? 'an array' : 'an object') : String(found);
    this.list.push({ path, message, found: text, expected });
  }

  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }

  done(what: string): void {
    if (this.list.length === 0) return;
    const more = this.#more > 0 ? ` (and ${this.#more} more)` : '';
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `The ${what} is invalid: ${this.list.length} problem${this.list.length === 1 ? '' : 's'}${more}`, { problems: this.list });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(p: Problems, path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) p.add(`${path}.${key}`, 'unknown field', key, `one of: ${allowed.join(', ')}`);
  }
}

function text(p: Problems, path: string, value: unknown, options: { min?: number; max: number; optional?: boolean }): void {
  if (value === undefined && options.optional === true) return;
  const min = options.min ?? 0;
  if (typeof value !== 'string' || value.length < min || value.length > options.max) {
    p.add(path, typeof value === 'string' ? 'wrong length' : 'wrong type', value, `a string of ${min} to ${options.max} characters`);
  }
}

function integer(p: Problems, path: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) p.add(path, 'not an integer in range', value, `an integer from 0 to ${max}`);
}

function checkId(p: Problems, value: unknown): void {
  if (typeof value !== 'string' || !PRINTABLE_ID.test(value)) {
    p.add('$.id', 'not a data-plane name', value, '1 to 100 printable ASCII characters, not starting or ending with a space');
  }
}

/** One service of a report: an ObservedSplit (the split checked as the proxy checks it). */
function checkObserved(p: Problems, path: string, value: unknown): void {
  if (!isObject(value)) return p.add(path, 'wrong type', value, 'an object with stable, weight, salt, generation');
  unknownFields(p, path, value, ['stable', 'canary', 'weight', 'salt', 'rules', 'mirror', 'generation', 'address']);
  integer(p, `${path}.generation`, value['generation']);
  text(p, `${path}.address`, value['address'], { max: 300, optional: true });
  if (typeof value['weight'] === 'number' && !Number.isFinite(value['weight'])) p.add(`${path}.weight`, 'not finite', value['weight'], 'a number from 0 to 100');
  try {
    checkSplit('report', value as unknown as TrafficSplit);
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    const field = typeof error.details['field'] === 'string' ? error.details['field'] : '';
    const expected = /; expected (.*)$/.exec(error.message)?.[1] ?? 'a split the data plane serves';
    p.add(field === '' ? path : `${path}.${field}`, 'invalid split', value[field.split(/[.[]/)[0] ?? ''], expected);
  }
}

function checkInFlight(p: Problems, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) return p.add('$.inFlight', 'wrong type', value, 'an object: service → endpoint → count');
  for (const [service, endpoints] of Object.entries(value)) {
    const path = `$.inFlight[${JSON.stringify(service)}]`;
    if (!isObject(endpoints)) {
      p.add(path, 'wrong type', endpoints, 'an object: endpoint URL → requests in flight');
      continue;
    }
    for (const [endpoint, count] of Object.entries(endpoints)) {
      if (endpoint.length > MAX_TEXT) p.add(path, 'endpoint too long', endpoint, `an endpoint URL of at most ${MAX_TEXT} characters`);
      integer(p, `${path}[${JSON.stringify(endpoint.slice(0, 100))}]`, count);
      if (p.full) return;
    }
  }
}

/** Reads a POST /data-plane/reports body, strictly: every problem with its JSON path. */
export function readReport(body: string): DataPlaneReport {
  const value = parseJsonObject(body);
  const p = new Problems();
  unknownFields(p, '$', value, ['id', 'generation', 'services', 'inFlight']);
  checkId(p, value['id']);
  integer(p, '$.generation', value['generation']);
  const services = value['services'];
  if (!isObject(services)) p.add('$.services', 'wrong type', services, 'an object: service → the split it serves');
  else {
    const names = Object.keys(services);
    if (names.length > MAX_REPORT_SERVICES) p.add('$.services', 'too many services', `${names.length} services`, `at most ${MAX_REPORT_SERVICES}`);
    for (const name of names.slice(0, MAX_REPORT_SERVICES)) {
      const path = `$.services[${JSON.stringify(name.slice(0, 100))}]`;
      if (name.length === 0 || name.length > MAX_NAME) p.add(path, 'not a service name', name, `a name of 1 to ${MAX_NAME} characters`);
      checkObserved(p, path, services[name]);
      if (p.full) break;
    }
  }
  checkInFlight(p, value['inFlight']);
  p.done('data-plane report');
  return value as unknown as DataPlaneReport;
}

function checkObservation(p: Problems, path: string, value: unknown): ProxyObservation | undefined {
  if (!isObject(value)) {
    p.add(path, 'wrong type', value, 'an observation object');
    return undefined;
  }
  const before = p.list.length;
  unknownFields(p, path, value, ['service', 'version', 'route', 'status', 'durationMs', 'cause', 'error', 'key', 'fast']);
  text(p, `${path}.service`, value['service'], { min: 1, max: MAX_NAME });
  text(p, `${path}.version`, value['version'], { max: MAX_NAME });
  text(p, `${path}.route`, value['route'], { max: MAX_NAME });
  const status = value['status'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 999) p.add(`${path}.status`, 'not an HTTP status', status, 'an integer from 100 to 999');
  const ms = value['durationMs'];
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) p.add(`${path}.durationMs`, 'not a duration', ms, 'a finite number of milliseconds, 0 or more');
  const cause = value['cause'];
  if (cause !== undefined && (typeof cause !== 'string' || !CAUSES.has(cause))) p.add(`${path}.cause`, 'unknown cause', cause, [...CAUSES].join(', '));
  text(p, `${path}.error`, value['error'], { max: MAX_TEXT, optional: true });
  text(p, `${path}.key`, value['key'], { max: 64 * 1024, optional: true });
  if (value['fast'] !== undefined && typeof value['fast'] !== 'boolean') p.add(`${path}.fast`, 'wrong type', value['fast'], 'true or false');
  if (p.list.length > before) return undefined;
  const observation = value as unknown as ProxyObservation;
  if (observation.key === undefined || observation.key.length <= MAX_OBSERVATION_KEY) return observation;
  const { key: _dropped, ...rest } = observation;
  return rest;
}

/** Reads a POST /data-plane/observations body: `{ id, observations }`, strictly; keys over 256 characters are dropped. */
export function readObservations(body: string): { readonly id: string; readonly observations: readonly ProxyObservation[] } {
  const value = parseJsonObject(body);
  const p = new Problems();
  unknownFields(p, '$', value, ['id', 'observations']);
  checkId(p, value['id']);
  const list = value['observations'];
  const out: ProxyObservation[] = [];
  if (!Array.isArray(list)) p.add('$.observations', 'wrong type', list, `an array of at most ${MAX_OBSERVATIONS_PER_CALL} observations`);
  else if (list.length > MAX_OBSERVATIONS_PER_CALL) p.add('$.observations', 'too many observations', `${list.length} observations`, `at most ${MAX_OBSERVATIONS_PER_CALL} per call`);
  else {
    for (const [i, item] of list.entries()) {
      const observation = checkObservation(p, `$.observations[${i}]`, item);
      if (observation !== undefined) out.push(observation);
      if (p.full) break;
    }
  }
  p.done('observations body');
  return { id: value['id'] as string, observations: out };
}
