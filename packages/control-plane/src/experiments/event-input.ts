import { ErrorCode, EVENT_NAME_PATTERN, EXPOSURE_EVENT, MAX_EVENT_NAME_LENGTH, SluiceError, type ExperimentEvent, type Problem } from '@sluice/domain';

/** Events per POST /api/v1/events; a client with more sends several requests. */
export const MAX_EVENTS_PER_REQUEST = 1000;
/** Body limit of POST /api/v1/events. */
export const MAX_EVENTS_BYTES = 1024 * 1024;
export const MAX_KEY_LENGTH = 200;
/** Largest |value|: its square and the sums of a million of them stay far from overflowing a double. */
export const MAX_ABS_VALUE = 1e12;
/** Problems reported per request: enough to fix a client by. */
const MAX_PROBLEMS = 50;

const EVENT_FIELDS = ['key', 'event', 'value', 'at', 'experiment'] as const;
const EXPERIMENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Report = (path: string, message: string, expected: string, found?: unknown) => void;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function readAt(raw: unknown, path: string, now: number, report: Report): number {
  if (raw === undefined) return now;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  const parsed = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isFinite(parsed)) return parsed;
  report(path, 'invalid time', 'milliseconds since the epoch, or an ISO 8601 date-time such as 2026-01-01T12:00:00Z', raw);
  return now;
}

function readEvent(raw: unknown, i: number, now: number, report: Report): ExperimentEvent | undefined {
  const base = `$.events[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report(base, 'not an object', 'an object { key, event, value?, at?, experiment? }', raw);
    return undefined;
  }
  const item = raw as Record<string, unknown>;
  for (const field of Object.keys(item)) if (!(EVENT_FIELDS as readonly string[]).includes(field)) report(`${base}.${field}`, `unknown field "${field}"`, `one of: ${EVENT_FIELDS.join(', ')}`);
  const { key, event, value, experiment } = item;
  const okKey = typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH;
  if (!okKey) report(`${base}.key`, key === undefined ? 'missing required field "key"' : 'invalid key', `the user's key (the stickiness header or cookie value), 1 to ${MAX_KEY_LENGTH} characters`, key);
  const okEvent = event === EXPOSURE_EVENT || (typeof event === 'string' && event.length <= MAX_EVENT_NAME_LENGTH && EVENT_NAME_PATTERN.test(event));
  if (!okEvent) report(`${base}.event`, event === undefined ? 'missing required field "event"' : 'invalid event name', `"${EXPOSURE_EVENT}", or a metric's event name: letters, digits, "_", "-", ".", ":" and "/", at most ${MAX_EVENT_NAME_LENGTH} characters`, event);
  const okValue = value === undefined || (typeof value === 'number' && Math.abs(value) <= MAX_ABS_VALUE);
  if (!okValue) report(`${base}.value`, 'invalid value', `a number from -${MAX_ABS_VALUE} to ${MAX_ABS_VALUE}`, value);
  const exposure = event === EXPOSURE_EVENT;
  const okExperiment = exposure ? typeof experiment === 'string' && EXPERIMENT_NAME.test(experiment) && experiment.length <= 63 : experiment === undefined;
  if (!okExperiment) report(`${base}.experiment`, exposure ? 'an exposure names its experiment' : 'only "$exposure" events name an experiment', exposure ? 'the name of the experiment shown' : 'no experiment field', experiment);
  const at = readAt(item['at'], `${base}.at`, now, report);
  if (!(okKey && okEvent && okValue && okExperiment)) return undefined;
  return { key: key as string, event: event as string, at, ...(value === undefined ? {} : { value: value as number }), ...(exposure ? { experiment: experiment as string } : {}) };
}

/**
 * Reads the body of POST /api/v1/events: `{ "events": [{ key, event, value?, at?, experiment? }] }`, at
 * most MAX_EVENTS_PER_REQUEST events. All or nothing: any problem is an INVALID_REQUEST listing them
 * (up to 50) with their JSON paths, and no event of the request is counted. `at` defaults to `now`.
 */
export function parseEventsBody(text: string, now: number): ExperimentEvent[] {
  const problems: Problem[] = [];
  const report: Report = (path, message, expected, found) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ path, message, expected, ...(found === undefined ? {} : { found: describe(found) }) });
  };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    report('$', `not valid JSON: ${(error as Error).message}`, '{ "events": [...] }');
  }
  const events = checkEnvelope(body, problems.length === 0 ? report : () => {});
  const parsed = (events ?? []).map((raw, i) => readEvent(raw, i, now, report));
  if (problems.length > 0) {
    const first = problems[0] as Problem;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `Invalid events: ${first.path ?? '$'}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { problems });
  }
  return parsed.filter((e): e is ExperimentEvent => e !== undefined);
}

function checkEnvelope(body: unknown, report: Report): readonly unknown[] | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    report('$', 'not an object', '{ "events": [...] }', body);
    return undefined;
  }
  for (const field of Object.keys(body)) if (field !== 'events') report(`$.${field}`, `unknown field "${field}"`, 'only "events"');
  const events = (body as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_REQUEST) {
    const message = events === undefined ? 'missing required field "events"' : Array.isArray(events) ? 'wrong number of events' : 'not a list';
    report('$.events', message, `a list of 1 to ${MAX_EVENTS_PER_REQUEST} events`, events);
    return undefined;
  }
  return events;
}
