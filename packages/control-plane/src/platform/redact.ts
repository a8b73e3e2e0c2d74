/**
 * What the API never shows of a stored spec: passwords in URLs (a sql provider's postgres://user:pw@…)
 * and the values of credential headers (web providers, checklist HTTP operations). Specs are stored as
 * written so the controller can use them; only views are redacted.
 */

const MASK = '***';
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key)$|token|secret|key|password/i;

/**
 * Masks the password of every `scheme://user:secret@host` in the text, also inside a longer string
 * ("GET http://u:pw@host/x") and when the password holds an unencoded "@".
 */
export function redactUrl(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/]*)@/gi, (_, scheme: string, user: string) => `${scheme}${user}:${MASK}@`);
}

function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADER.test(name) ? MASK : value]));
}

/** A deep copy of `value` with credentials masked. */
export function redactSecrets<T>(value: T): T {
  return walk(value, undefined) as T;
}

function walk(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, undefined));
  if (value === null || typeof value !== 'object') return value;
  if (key === 'headers') return redactHeaders(value as Record<string, unknown>);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
}
