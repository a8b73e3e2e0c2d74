/** Where the login page sends the person back to: always a page of the release center, never elsewhere. */

const BASE = '/ui/';
export const LOGIN_PATH = `${BASE}login`;

/** The `next` of a login URL when it is a page under /ui/ (not the login itself); else the releases. */
export function safeNext(raw: string | null | undefined): string {
  if (raw === null || raw === undefined) return BASE;
  // Only a path of this app: no scheme, no "//host", no backslash tricks, no control characters.
  if (!raw.startsWith(BASE) || raw.startsWith('//') || /[\\\u0000-\u001f]/.test(raw)) return BASE;
  const path = raw.replace(/[?#].*$/, '');
  if (path === LOGIN_PATH || path === `${LOGIN_PATH}/` || path.split('/').includes('..')) return BASE;
  return raw;
}

/** The login page's URL that returns to `pathname + search` after signing in. */
export function loginHref(pathname: string, search: string): string {
  const next = safeNext(`${pathname}${search}`);
  return next === BASE ? LOGIN_PATH : `${LOGIN_PATH}?next=${encodeURIComponent(next)}`;
}
