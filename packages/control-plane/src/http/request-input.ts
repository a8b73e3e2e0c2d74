import { ErrorCode, SluiceError, type Problem } from '@sluice/domain';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../platform/logger.js';
import { toErrorResponse } from './error-response.js';
import { identityOf } from '../auth/identity.js';

export const MAX_APPLY_BYTES = 1024 * 1024;
export const MAX_COMMAND_BYTES = 16 * 1024;

/**
 * The person or token behind a request, for event metadata. Printable, at most 100 characters. With
 * auth on it is the token's name (the `x-sluice-actor` header is ignored); off, that header.
 */
export function actorOf(c: Context): string {
  const identity = identityOf(c);
  if (identity !== undefined) return identity.name;
  const raw = c.req.header('x-sluice-actor')?.trim() ?? '';
  const clean = raw.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  return clean || 'api';
}

/**
 * Rejects bodies over `maxSize` with 413. The unread rest of the body is still on the socket, so the
 * answer says `Connection: close`: a client must not send its next request on that connection.
 */
export function limitBody(maxSize: number, log: Logger) {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      const error = new SluiceError(ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than ${maxSize} bytes`, { details: { maxBytes: maxSize } });
      const { body } = toErrorResponse(error, log);
      return c.json(body, 413, { connection: 'close' });
    },
  });
}

function bad(message: string, problem: Problem): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, message, { problems: [problem] });
}

/** What a command body field must be. Strings are at most 1000 characters unless `maxLength` says otherwise. */
export type CommandField =
  | 'boolean'
  | 'string'
  | { readonly type: 'string'; readonly maxLength: number; readonly nonEmpty?: boolean }
  | { readonly type: 'integer'; readonly min: number; readonly max: number };

const DEFAULT_MAX_STRING = 1000;

/** Reads a JSON object body of a command, checking each field by a small schema of allowed types. */
/**
 * Parses a JSON object request body; an empty body is `{}`. Throws INVALID_REQUEST at `$` for text
 * that is not JSON or not an object.
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw bad('Request body is not valid JSON', { path: '$', message: (error as Error).message, expected: 'a JSON object' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('Request body must be a JSON object', { path: '$', message: 'not an object', found: JSON.stringify(body)?.slice(0, 40) ?? 'nothing', expected: 'a JSON object' });
  }
  return body as Record<string, unknown>;
}

/** Reads a JSON object body of a command, checking each field by a small schema of allowed types. */
export async function readCommandBody(c: Context, fields: Readonly<Record<string, CommandField>>): Promise<Record<string, unknown>> {
  const body = parseJsonObject(await c.req.text());
  for (const [key, value] of Object.entries(body)) {
    const field = fields[key];
    if (field === undefined) {
      throw bad(`Unknown field "${key}"`, { path: `$.${key}`, message: 'unknown field', expected: `one of: ${Object.keys(fields).join(', ') || '(no fields)'}` });
    }
    checkField(key, value, field);
  }
  return body;
}

function checkField(key: string, value: unknown, field: CommandField): void {
  if (typeof field !== 'string' && field.type === 'integer') return checkInteger(key, value, field);
  const type = typeof field === 'string' ? field : field.type;
  const maxLength = typeof field === 'string' ? DEFAULT_MAX_STRING : field.maxLength;
  const path = `$.${key}`;
  const expected = type === 'string' ? `a string of at most ${maxLength} characters` : type;
  if (typeof value !== type) {
    throw bad(`Field "${key}" must be a ${type}`, { path, message: 'wrong type', found: value === null ? 'null' : typeof value, expected });
  }
  if (type !== 'string') return;
  const length = (value as string).length;
  if (length > maxLength) {
    throw bad(`Field "${key}" is too long`, { path, message: 'too long', found: `${length} characters`, expected });
  }
  if (typeof field !== 'string' && field.nonEmpty === true && (value as string).trim() === '') {
    throw bad(`Field "${key}" must not be empty`, { path, message: 'empty', found: JSON.stringify(value), expected: 'a non-empty string' });
  }
}

function checkInteger(key: string, value: unknown, field: { readonly min: number; readonly max: number }): void {
  if (typeof value === 'number' && Number.isInteger(value) && value >= field.min && value <= field.max) return;
  const found = typeof value === 'number' ? String(value) : value === null ? 'null' : typeof value;
  throw bad(`Field "${key}" must be an integer from ${field.min} to ${field.max}`, {
    path: `$.${key}`,
    message: typeof value === 'number' ? 'not an integer in range' : 'wrong type',
    found,
    expected: `an integer from ${field.min} to ${field.max}`,
  });
}

/** Parses an optional non-negative integer query parameter. */
export function intQuery(c: Context, name: string, bounds: { min: number; max: number }): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < bounds.min || n > bounds.max) {
    throw bad(`Query parameter "${name}" is invalid`, { path: `?${name}`, message: 'not an integer in range', found: raw.slice(0, 40), expected: `an integer from ${bounds.min} to ${bounds.max}` });
  }
  return n;
}

export function boolQuery(c: Context, name: string): boolean {
  const raw = c.req.query(name);
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1' || raw === '') return true;
  throw bad(`Query parameter "${name}" is invalid`, { path: `?${name}`, message: 'not a boolean', found: raw.slice(0, 40), expected: 'true or false' });
}

/** File names arrive percent-encoded when not plain ASCII (HTTP headers are Latin-1). */
function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw).slice(0, 200);
  } catch {
    return raw.slice(0, 200);
  }
}

/** One file of an apply request: its name (for error positions) and its text. */
export interface ApplyFile {
  readonly name: string;
  readonly text: string;
}

/** An apply body is YAML/JSON resource text, or `{ "files": [{ "name", "text" }] }` for several files at once. */
export async function readApplyFiles(c: Context): Promise<ApplyFile[]> {
  const text = await c.req.text();
  const fileName = decodeName(c.req.header('x-sluice-filename') ?? '<body>');
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/json')) return [{ name: fileName, text }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [{ name: fileName, text }]; // the resource parser reports the syntax error with its position
  }
  if (typeof parsed !== 'object' || parsed === null || !('files' in parsed)) return [{ name: fileName, text }];
  const files = (parsed as { files?: unknown }).files;
  if (!Array.isArray(files) || files.length === 0 || files.length > 50) {
    throw bad('"files" must be a non-empty array', { path: '$.files', message: 'not a non-empty array of at most 50 files', expected: '[{ "name": string, "text": string }]' });
  }
  return files.map((f: unknown, i) => {
    const file = f as { name?: unknown; text?: unknown };
    if (typeof file?.name !== 'string' || typeof file.text !== 'string') {
      throw bad(`files[${i}] is malformed`, { path: `$.files[${i}]`, message: 'missing name or text', expected: '{ "name": string, "text": string }' });
    }
    return { name: file.name.slice(0, 200), text: file.text };
  });
}
