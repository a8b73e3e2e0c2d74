import { ErrorCode, listenConflict, SluiceError } from '@sluice/domain';

/** A route as the host table sees it. */
export interface HostedRoute {
  readonly service: string;
  /** Host names it answers (lower-case, "*.x" wildcards); empty: every host no other route claims. */
  readonly hosts: readonly string[];
}

/**
 * Which route of a shared listen address serves a request, by its Host header: an exact name first,
 * then the longest matching "*." wildcard (one or more labels), then the route that names no hosts.
 */
export class HostTable<R extends HostedRoute> {
  #routes: R[] = [];
  #exact = new Map<string, R>();
  /** [".example.com", route], longest suffix first. */
  #wildcards: [string, R][] = [];
  #fallback: R | undefined;

  get size(): number {
    return this.#routes.length;
  }

  get routes(): readonly R[] {
    return this.#routes;
  }

  /** The only route, when there is exactly one: requests need no Host lookup. */
  get single(): R | undefined {
    return this.#routes.length === 1 ? this.#routes[0] : undefined;
  }

  /** Adds (or replaces, by service) a route. Throws INVALID_SPEC when its hosts clash with another's. */
  set(route: R, listen: string): void {
    const others = this.#routes.filter((r) => r.service !== route.service);
    for (const other of others) {
      const conflict = listenConflict({ listen: '_:1', hosts: route.hosts }, { listen: '_:1', hosts: other.hosts });
      if (conflict === undefined) continue;
      const what = conflict.kind === 'every-host' ? 'neither names hosts' : `both name host "${conflict.host}"`;
      throw new SluiceError(ErrorCode.INVALID_SPEC, `route "${route.service}" cannot share ${listen} with route "${other.service}": ${what}; expected distinct hosts, and at most one route without hosts per address`, {
        details: { service: route.service, other: other.service, listen },
      });
    }
    this.#rebuild([...others, route]);
  }

  /** Removes a route by service; true when it was there. */
  delete(service: string): boolean {
    const rest = this.#routes.filter((r) => r.service !== service);
    if (rest.length === this.#routes.length) return false;
    this.#rebuild(rest);
    return true;
  }

  /** The route serving a request whose Host header is `host` (any case, with or without port). */
  lookup(host: string | undefined): R | undefined {
    const single = this.single;
    if (single !== undefined && single.hosts.length === 0) return single;
    if (host === undefined) return this.#fallback;
    const name = hostName(host);
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    for (const [suffix, route] of this.#wildcards) if (name.length > suffix.length && name.endsWith(suffix)) return route;
    return this.#fallback;
  }

  /** The names a client may use here, for the error a misdirected request gets. */
  describe(): string {
    const names = this.#routes.flatMap((r) => r.hosts);
    return names.length === 0 ? 'no host names' : names.slice(0, 10).join(', ') + (names.length > 10 ? ', ...' : '');
  }

  #rebuild(routes: R[]): void {
    this.#routes = routes;
    this.#exact = new Map();
    this.#wildcards = [];
    this.#fallback = undefined;
    for (const route of routes) {
      if (route.hosts.length === 0) this.#fallback = route;
      for (const host of route.hosts) {
        if (host.startsWith('*.')) this.#wildcards.push([host.slice(1), route]);
        else this.#exact.set(host, route);
      }
    }
    this.#wildcards.sort((a, b) => b[0].length - a[0].length);
  }
}

/** The host name of a Host header value: lower-case, without port, brackets kept for IPv6, no trailing dot. */
export function hostName(host: string): string {
  let end = host.length;
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && host.indexOf(']', colon) === -1) end = colon;
  if (end > 0 && host.charCodeAt(end - 1) === 46) end--;
  const name = host.slice(0, end);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return name.toLowerCase();
  }
  return name;
}
