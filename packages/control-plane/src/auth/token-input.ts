import { ErrorCode, SluiceError, type Problem } from '@sluice/domain';
import { parseJsonObject } from '../http/request-input.js';
import { TOKEN_ROLES, type TokenRole } from '../store/token-store.js';
import { TOKEN_SCOPES } from './permissions.js';

/** A token name: lower-case letters, digits, `.`, `_` and `-`, 1 to 63 characters, starting and ending with a letter or digit. */
export const TOKEN_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;
/** A service grant: a service name or a glob of one (`*`, `?`), at most 128 characters. */
const GRANT = /^[a-z0-9*?][a-z0-9*?._-]{0,127}$/;
export const MAX_GRANTS = 50;
const MAX_EXPIRY_DAYS = 3650;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** What POST /api/v1/tokens asks for, checked. */
export interface NewTokenRequest {
  readonly name: string;
  readonly role: TokenRole;
  readonly services: readonly string[];
  readonly scopes: readonly string[];
  /** ms from now, or undefined: never expires. */
  readonly expiresInMs: number | undefined;
}

function invalid(message: string, problem: Problem): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, message, { problems: [problem] });
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 64));
  return Array.isArray(value) ? 'an array' : typeof value;
}

function readName(value: unknown): string {
  if (typeof value === 'string' && TOKEN_NAME.test(value)) return value;
  throw invalid('Field "name" is not a token name', { path: '$.name', message: value === undefined ? 'missing' : 'not a token name', found: shown(value), expected: 'lower-case letters, digits, ".", "_" or "-", 1 to 63 characters, e.g. "ci-deploy"' });
}

function readRole(value: unknown): TokenRole {
  const role = TOKEN_ROLES.find((r) => r === value);
  if (role !== undefined) return role;
  throw invalid('Field "role" is not a role', { path: '$.role', message: value === undefined ? 'missing' : 'unknown role', found: shown(value), expected: TOKEN_ROLES.join(', ') });
}

function readList(field: string, value: unknown, check: (item: string) => boolean, expected: string, max: number): string[] {
  if (!Array.isArray(value) || value.length > max) {
    throw invalid(`Field "${field}" must be an array of at most ${max}`, { path: `$.${field}`, message: Array.isArray(value) ? `${value.length} entries` : 'not an array', found: shown(value), expected: `an array of at most ${max}: ${expected}` });
  }
  value.forEach((item, i) => {
    if (typeof item !== 'string' || !check(item)) throw invalid(`${field}[${i}] is invalid`, { path: `$.${field}[${i}]`, message: 'invalid entry', found: shown(item), expected });
  });
  return [...new Set(value as string[])];
}

/** "30d", "12h", "90m" → ms; at most 3650 days. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,7})([mhd])$/.exec(text);
  const ms = match === null ? NaN : Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN);
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_EXPIRY_DAYS * UNIT_MS['d']! ? ms : undefined;
}

function readExpiry(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms !== undefined) return ms;
  throw invalid('Field "expiresIn" is not a duration', { path: '$.expiresIn', message: 'not a duration', found: shown(value), expected: `a number and a unit m, h or d, e.g. "30d" (at most ${MAX_EXPIRY_DAYS}d); absent: never expires` });
}

const FIELDS = ['name', 'role', 'services', 'scopes', 'expiresIn'];

/** Reads the body of POST /api/v1/tokens; INVALID_REQUEST names the field by JSON path. */
export function readNewToken(text: string): NewTokenRequest {
  const body = parseJsonObject(text);
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) throw invalid(`Unknown field "${key.slice(0, 64)}"`, { path: `$.${key.slice(0, 64)}`, message: 'unknown field', expected: `one of: ${FIELDS.join(', ')}` });
  }
  const name = readName(body['name']);
  const role = readRole(body['role']);
  const services = body['services'] === undefined ? ['*'] : readList('services', body['services'], (s) => GRANT.test(s), 'service names or globs like "payments-*"', MAX_GRANTS);
  if (services.length === 0) throw invalid('Field "services" is empty', { path: '$.services', message: 'no grant', expected: 'at least one service name or glob ("*" = all)' });
  const scopes = body['scopes'] === undefined ? [] : readList('scopes', body['scopes'], (s) => (TOKEN_SCOPES as readonly string[]).includes(s), `one of ${TOKEN_SCOPES.join(', ')}`, TOKEN_SCOPES.length);
  return { name, role, services, scopes, expiresInMs: readExpiry(body['expiresIn']) };
}
