import { ErrorCode, SluiceError, type Problem } from '@sluice/domain';
import { MAX_METRIC_SAMPLES_PER_APPEND, MAX_METRIC_SAMPLES_PER_LIST, type MetricSample, type MetricSampleQuery } from './store.js';

/** Longest service or version name a sample may carry (spec names are far shorter). */
const MAX_NAME_LENGTH = 200;
/** Versions one list may name. */
const MAX_VERSIONS = 100;

function invalid(what: string, problems: readonly Problem[]): SluiceError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new SluiceError(ErrorCode.INVALID_REQUEST, `Invalid ${what}: ${first?.path} ${first?.message}${more}`, { problems: problems.slice(0, 20) });
}

const isName = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.length <= MAX_NAME_LENGTH;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isMs = (value: unknown): boolean => value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0);

/** The problems of one sample, each with its path under `samples[i]`. */
function sampleProblems(sample: MetricSample, i: number): Problem[] {
  const at = (field: string) => `samples[${i}].${field}`;
  const out: Problem[] = [];
  const found = (value: unknown) => String(value).slice(0, 40);
  if (!isName(sample.service)) out.push({ path: at('service'), message: 'not a name', found: found(sample.service), expected: `a non-empty string of at most ${MAX_NAME_LENGTH} characters` });
  if (!isName(sample.version)) out.push({ path: at('version'), message: 'not a name', found: found(sample.version), expected: `a non-empty string of at most ${MAX_NAME_LENGTH} characters` });
  if (!isCount(sample.at) || sample.at % 1000 !== 0) out.push({ path: at('at'), message: 'not a whole second', found: found(sample.at), expected: 'ms since the epoch, a multiple of 1000' });
  if (!isCount(sample.requests)) out.push({ path: at('requests'), message: 'not a count', found: found(sample.requests), expected: 'an integer ≥ 0' });
  if (!isCount(sample.errors) || sample.errors > sample.requests) out.push({ path: at('errors'), message: 'not a count of the requests', found: found(sample.errors), expected: 'an integer from 0 to requests' });
  if (!isMs(sample.p50Ms)) out.push({ path: at('p50Ms'), message: 'not a latency', found: found(sample.p50Ms), expected: 'a finite number of ms ≥ 0, or null' });
  if (!isMs(sample.p99Ms)) out.push({ path: at('p99Ms'), message: 'not a latency', found: found(sample.p99Ms), expected: 'a finite number of ms ≥ 0, or null' });
  return out;
}

/** Throws INVALID_REQUEST, naming every bad field, unless the whole batch may be stored. */
export function checkMetricSamples(samples: readonly MetricSample[]): void {
  if (samples.length > MAX_METRIC_SAMPLES_PER_APPEND) {
    throw invalid('metric samples', [{ path: 'samples', message: 'too many samples in one append', found: String(samples.length), expected: `at most ${MAX_METRIC_SAMPLES_PER_APPEND}` }]);
  }
  const problems: Problem[] = [];
  for (let i = 0; i < samples.length && problems.length < 20; i++) problems.push(...sampleProblems(samples[i] as MetricSample, i));
  if (problems.length > 0) throw invalid('metric samples', problems);
}

/** The query's effective limit, after checking every field. */
export function metricSampleLimit(query: MetricSampleQuery): number {
  const problems: Problem[] = [];
  const limit = query.limit ?? MAX_METRIC_SAMPLES_PER_LIST;
  if (!isName(query.service)) problems.push({ path: 'service', message: 'not a name', found: String(query.service).slice(0, 40), expected: 'a service name' });
  for (const field of ['from', 'to'] as const) {
    if (!Number.isSafeInteger(query[field])) problems.push({ path: field, message: 'not a time', found: String(query[field]).slice(0, 40), expected: 'an integer, ms since the epoch' });
  }
  if (query.versions !== undefined && (query.versions.length > MAX_VERSIONS || !query.versions.every(isName))) {
    problems.push({ path: 'versions', message: 'not a list of version names', found: `${query.versions.length} entries`, expected: `at most ${MAX_VERSIONS} version names` });
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_METRIC_SAMPLES_PER_LIST) {
    problems.push({ path: 'limit', message: 'out of range', found: String(limit).slice(0, 40), expected: `an integer from 1 to ${MAX_METRIC_SAMPLES_PER_LIST}` });
  }
  if (problems.length > 0) throw invalid('metric sample query', problems);
  return limit;
}

/** Throws INVALID_REQUEST unless `olderThan` is a time prune can compare with. */
export function checkPruneTime(olderThan: number): void {
  if (!Number.isSafeInteger(olderThan)) {
    throw invalid('metric sample prune', [{ path: 'olderThan', message: 'not a time', found: String(olderThan).slice(0, 40), expected: 'an integer, ms since the epoch' }]);
  }
}

/** Orders samples as `list` answers them: by time, then version. */
export function compareSamples(a: MetricSample, b: MetricSample): number {
  return a.at - b.at || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
}
