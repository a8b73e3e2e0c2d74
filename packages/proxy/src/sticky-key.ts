/** Cookie attributes for the stickiness cookie the proxy sets: whole site, not readable by scripts. */
export const STICKY_COOKIE_ATTRIBUTES = '; Path=/; HttpOnly; SameSite=Lax';

/**
 * The value of cookie `name` in one Cookie header, or undefined when absent or empty.
 * Scans in place instead of parsing every cookie: this runs on every proxied request.
 */
export function readCookie(header: string, name: string): string | undefined {
  const length = header.length;
  let from = 0;
  while (from < length) {
    let start = from;
    while (start < length && (header.charCodeAt(start) === 32 || header.charCodeAt(start) === 9)) start++;
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    const eq = start + name.length;
    if (eq < end && header.charCodeAt(eq) === 61 && header.startsWith(name, start)) {
      return cookieValue(header.slice(eq + 1, end));
    }
    from = end + 1;
  }
  return undefined;
}

function cookieValue(raw: string): string | undefined {
  let value = raw.trim();
  if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) {
    value = value.slice(1, -1);
  }
  return value === '' ? undefined : value;
}
