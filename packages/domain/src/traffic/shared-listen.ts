/**
 * Several services may share one listen address when host names keep them apart: each request goes
 * to the service naming its Host, and at most one service per address (the one without hosts)
 * takes every host no other service claims. These rules are checked before anything is applied.
 */

/** What one service claims on its listen address. */
export interface ListenClaim {
  /** host:port as written in the spec. */
  readonly listen: string;
  /** Host names (compared without regard to case); absent or empty: every host nobody else claims. */
  readonly hosts?: readonly string[] | undefined;
}

/** Why two claims cannot share their address. */
export type ListenConflict =
  /** Neither names hosts: both would take every host. */
  | { readonly kind: 'every-host' }
  /** Both name `host` (an exact name, or the same "*." wildcard); `index` is its position in the first claim's hosts. */
  | { readonly kind: 'host'; readonly host: string; readonly index: number };

/** Most host names one service may list. */
export const MAX_HOSTS = 100;

/**
 * A host name as a spec may write it: DNS labels (letters, digits, "-"; 1 to 63 characters, not
 * starting or ending with "-") separated by dots, at most 253 characters, optionally after a "*."
 * wildcard that matches one or more labels. No port, no trailing dot, no IPv6 literal.
 */
export function isHostName(text: string): boolean {
  const name = text.startsWith('*.') ? text.slice(2) : text;
  return name.length <= 253 && HOST_NAME_PATTERN.test(text);
}

const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** The shape of a host name (isHostName also bounds its length), for JSON Schema and editors. */
export const HOST_NAME_PATTERN = new RegExp(`^(\\*\\.)?(${LABEL}\\.)*${LABEL}$`);

/**
 * The address as compared between services: lower-cased. Undefined for port 0, which asks the
 * operating system for a free port, so services on port 0 never share a listener.
 */
export function listenKey(listen: string): string | undefined {
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  return Number(port) === 0 ? undefined : listen.toLowerCase();
}

/**
 * Whether `a` and `b` cannot both serve on their listen address: undefined when the addresses
 * differ (or are port 0), or when they share it and their hosts keep them apart. Host names are
 * compared exactly (without regard to case): "*.example.com" and "shop.example.com" may coexist
 * (the exact name is the more specific claim), two identical names or wildcards may not.
 */
export function listenConflict(a: ListenClaim, b: ListenClaim): ListenConflict | undefined {
  const key = listenKey(a.listen);
  if (key === undefined || key !== listenKey(b.listen)) return undefined;
  const mine = a.hosts ?? [];
  const theirs = new Set((b.hosts ?? []).map((h) => h.toLowerCase()));
  if (mine.length === 0 && theirs.size === 0) return { kind: 'every-host' };
  const index = mine.findIndex((h) => theirs.has(h.toLowerCase()));
  const host = mine[index];
  return host === undefined ? undefined : { kind: 'host', host, index };
}
