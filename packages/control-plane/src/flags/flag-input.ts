import { ErrorCode, isValidWeight, SluiceError, type FlagContext, type Problem } from '@sluice/domain';
import type { Context } from 'hono';
import { parseJsonObject } from '../http/request-input.js';
import type { EnvironmentPatch } from './flag-commands.js';

/** Most flags one evaluate request may name, and most context properties. */
export const MAX_EVALUATE_FLAGS = 1000;
export const MAX_CONTEXT_FIELDS = 100;
const MAX_FIELD_LENGTH = 1000;

function bad(message: string, problems: Problem[]): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, message, { problems });
}

/** Parses a JSON object body; `{}` for an empty body. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  return parseJsonObject(await c.req.text());
}

function unknownFields(body: Record<string, unknown>, allowed: readonly string[], prefix = '$'): Problem[] {
  return Object.keys(body)
    .filter((k) => !allowed.includes(k))
    .map((k) => ({ path: `${prefix}.${k}`, message: `unknown field "${k.slice(0, 64)}"`, expected: `one of: ${allowed.join(', ')}` }));
}

function readWeights(raw: unknown, problems: Problem[]): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path: '$.variantWeights', message: 'not an object', expected: 'a map of variant name to percent, e.g. {"blue": 50, "green": 50}' });
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const [name, w] of Object.entries(raw).slice(0, 51)) {
    if (typeof w !== 'number' || w < 0 || w > 100) problems.push({ path: `$.variantWeights.${name.slice(0, 64)}`, message: 'invalid weight', expected: 'a percent from 0 to 100' });
    else out[name] = w;
  }
  return out;
}

/** The body of POST /flags/{name}/environments/{env}: `{ enabled?, rollout?, variantWeights?, reason? }`. */
export async function readPatchBody(c: Context): Promise<{ patch: EnvironmentPatch; reason: string }> {
  const body = await readJsonObject(c);
  const problems = unknownFields(body, ['enabled', 'rollout', 'variantWeights', 'reason']);
  const { enabled, rollout, reason } = body;
  if (enabled !== undefined && typeof enabled !== 'boolean') problems.push({ path: '$.enabled', message: 'wrong type', expected: 'true or false' });
  if (rollout !== undefined && !(typeof rollout === 'number' && rollout >= 0 && rollout <= 100 && isValidWeight(rollout))) {
    problems.push({ path: '$.rollout', message: 'invalid rollout', expected: 'a percent from 0 to 100 in steps of 0.01' });
  }
  if (reason !== undefined && !(typeof reason === 'string' && reason.length > 0 && reason.length <= 1000)) problems.push({ path: '$.reason', message: 'invalid reason', expected: 'a string of 1 to 1000 characters' });
  const variantWeights = readWeights(body['variantWeights'], problems);
  if (enabled === undefined && rollout === undefined && variantWeights === undefined && problems.length === 0) {
    problems.push({ path: '$', message: 'nothing to change', expected: 'at least one of enabled, rollout, variantWeights' });
  }
  if (problems.length > 0) throw bad('The flag change is invalid', problems);
  const patch: EnvironmentPatch = {
    ...(typeof enabled === 'boolean' ? { enabled } : {}),
    ...(typeof rollout === 'number' ? { rollout } : {}),
    ...(variantWeights !== undefined ? { variantWeights } : {}),
  };
  const parts = [enabled === undefined ? '' : enabled ? 'on' : 'off', rollout === undefined ? '' : `rollout ${String(rollout)}%`, variantWeights ? 'variant weights' : ''].filter(Boolean);
  return { patch, reason: typeof reason === 'string' ? reason : `set ${parts.join(', ')}` };
}

function scalar(v: unknown): boolean {
  return (typeof v === 'string' && v.length <= MAX_FIELD_LENGTH) || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
}

/** An evaluation context: string fields and a `properties` map of scalars, within limits. */
export function readContext(raw: unknown, path: string, problems: Problem[]): FlagContext {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path, message: 'not an object', expected: 'an object such as {"userId": "u1", "properties": {"plan": "pro"}}' });
    return {};
  }
  const entries = Object.entries(raw);
  if (entries.length > MAX_CONTEXT_FIELDS) problems.push({ path, message: 'too many fields', expected: `at most ${MAX_CONTEXT_FIELDS} fields` });
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries.slice(0, MAX_CONTEXT_FIELDS)) {
    if (key === 'properties') out[key] = readContext(value, `${path}.properties`, problems);
    else if (scalar(value)) out[key] = typeof value === 'string' ? value : String(value);
    else problems.push({ path: `${path}.${key.slice(0, 64)}`, message: 'not a scalar', expected: `a string, number or boolean of at most ${MAX_FIELD_LENGTH} characters` });
  }
  return out as FlagContext;
}

/** The body of POST /flags/evaluate: `{ environment, context?, flag? | flags? }`. */
export async function readEvaluateBody(c: Context): Promise<{ environment: unknown; context: FlagContext; flag?: string; flags?: string[] }> {
  const body = await readJsonObject(c);
  const problems = unknownFields(body, ['environment', 'context', 'flag', 'flags']);
  const context = readContext(body['context'], '$.context', problems);
  const { flag, flags } = body;
  if (flag !== undefined && !(typeof flag === 'string' && flag.length <= 200)) problems.push({ path: '$.flag', message: 'invalid flag name', expected: 'a flag name' });
  if (flags !== undefined && !(Array.isArray(flags) && flags.length <= MAX_EVALUATE_FLAGS && flags.every((f) => typeof f === 'string' && f.length <= 200))) {
    problems.push({ path: '$.flags', message: 'invalid flag list', expected: `a list of at most ${MAX_EVALUATE_FLAGS} flag names` });
  }
  if (flag !== undefined && flags !== undefined) problems.push({ path: '$.flags', message: 'both flag and flags given', expected: 'flag (one) or flags (several; none = all)' });
  if (problems.length > 0) throw bad('The evaluation request is invalid', problems);
  return { environment: body['environment'], context, ...(typeof flag === 'string' ? { flag } : {}), ...(Array.isArray(flags) ? { flags: flags as string[] } : {}) };
}
