import { ErrorCode, SluiceError, type FlagUsage, type Problem } from '@sluice/domain';
import type { Context } from 'hono';
import { readJsonObject } from './flag-input.js';

export const MAX_METRICS_BYTES = 1024 * 1024;
export const MAX_METRICS_TOGGLES = 10_000;
const MAX_COUNT = 1e12;

function count(raw: unknown, path: string, problems: Problem[]): number {
  if (raw === undefined) return 0;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 && raw <= MAX_COUNT) return raw;
  problems.push({ path, message: 'invalid count', expected: `a whole number from 0 to ${MAX_COUNT}` });
  return 0;
}

function time(raw: unknown, path: string, now: number, problems: Problem[]): number {
  if (raw === undefined) return now;
  const t = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (Number.isFinite(t) && t >= 0) return Math.min(t, now);
  problems.push({ path, message: 'invalid time', expected: 'milliseconds since the epoch or an ISO 8601 date-time' });
  return now;
}

/**
 * The body of POST /flags/metrics (Sluice's SDK): `{ environment?, appName?, instanceId?, start?, stop?,
 * toggles: { name: { yes, no, variants? } } }` → usage rows (environment filled in by the caller).
 */
export async function readMetricsBody(c: Context, now: number): Promise<{ environment: unknown; usage: Omit<FlagUsage, 'environment'>[]; enabled: Map<string, number> }> {
  const body = await readJsonObject(c);
  const problems: Problem[] = [];
  for (const k of Object.keys(body)) {
    if (!['environment', 'appName', 'instanceId', 'start', 'stop', 'toggles'].includes(k)) problems.push({ path: `$.${k.slice(0, 64)}`, message: 'unknown field', expected: 'environment, appName, instanceId, start, stop, toggles' });
  }
  const stop = time(body['stop'], '$.stop', now, problems);
  const toggles = body['toggles'];
  const usage: Omit<FlagUsage, 'environment'>[] = [];
  const enabled = new Map<string, number>();
  if (typeof toggles !== 'object' || toggles === null || Array.isArray(toggles)) {
    problems.push({ path: '$.toggles', message: 'missing or not an object', expected: 'a map of flag name to { yes, no }' });
  } else {
    const entries = Object.entries(toggles);
    if (entries.length > MAX_METRICS_TOGGLES) problems.push({ path: '$.toggles', message: 'too many flags', expected: `at most ${MAX_METRICS_TOGGLES}` });
    for (const [flag, raw] of entries.slice(0, MAX_METRICS_TOGGLES)) {
      const path = `$.toggles.${flag.slice(0, 64)}`;
      if (flag.length === 0 || flag.length > 200 || typeof raw !== 'object' || raw === null) {
        problems.push({ path, message: 'invalid entry', expected: 'a flag name mapped to { yes, no }' });
        continue;
      }
      const entry = raw as Record<string, unknown>;
      const yes = count(entry['yes'], `${path}.yes`, problems);
      const evaluations = yes + count(entry['no'], `${path}.no`, problems);
      if (evaluations > 0) usage.push({ flag, evaluations, lastEvaluatedAt: stop });
      if (yes > 0) enabled.set(flag, yes);
    }
  }
  if (problems.length > 0) throw new SluiceError(ErrorCode.INVALID_REQUEST, 'The flag metrics are invalid', { problems: problems.slice(0, 50) });
  return { environment: body['environment'], usage, enabled };
}
