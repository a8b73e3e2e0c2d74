import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Where the control plane serves the release center (vite.config.ts `base`). */
export const BASE = '/ui/';

/** The page a URL shows. Paths are relative to BASE; the query keeps page state (e.g. the environment). */
export type Route =
  | { readonly page: 'releases' }
  | { readonly page: 'rollout'; readonly name: string }
  | { readonly page: 'service'; readonly name: string }
  | { readonly page: 'flags'; readonly flag?: string }
  | { readonly page: 'experiments'; readonly name?: string }
  | { readonly page: 'migrations' }
  | { readonly page: 'audit' }
  | { readonly page: 'login' }
  | { readonly page: 'not-found'; readonly path: string };

/** Pages without a name segment, by their path. */
const LIST_PAGES = { releases: 'releases', migrations: 'migrations', audit: 'audit', login: 'login' } as const;

export interface Location {
  readonly route: Route;
  readonly query: URLSearchParams;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname.replace(/^\/+/, '');
  const parts = path.split('/').filter((p) => p !== '');
  const [first, second, ...rest] = parts;
  if (first === undefined) return { page: 'releases' };
  if (rest.length > 0) return { page: 'not-found', path: `/${path}` };
  const name = second === undefined ? undefined : decodeSegment(second);
  if (second !== undefined && name === undefined) return { page: 'not-found', path: `/${path}` };
  if (first in LIST_PAGES && second === undefined) return { page: LIST_PAGES[first as keyof typeof LIST_PAGES] };
  if (first === 'flags') return name === undefined ? { page: 'flags' } : { page: 'flags', flag: name };
  if (first === 'experiments') return name === undefined ? { page: 'experiments' } : { page: 'experiments', name };
  if (first === 'rollouts' && name !== undefined) return { page: 'rollout', name };
  if (first === 'services' && name !== undefined) return { page: 'service', name };
  return { page: 'not-found', path: `/${path}` };
}

/** An in-app URL: BASE + path, with the query parameters that are set. */
export function href(path: string, query: Readonly<Record<string, string | undefined>> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const search = params.toString();
  return `${BASE}${path.replace(/^\/+/, '')}${search === '' ? '' : `?${search}`}`;
}

const NAVIGATE = 'sluice:navigate';

/** Goes to an in-app URL without a reload (history API); `replace` keeps the back button's entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
}

function current(): Location {
  return { route: parseRoute(location.pathname), query: new URLSearchParams(location.search) };
}

/** The current location, updated on back/forward and on navigate(). */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return loc;
}

export interface LinkProps {
  readonly to: string;
  readonly class?: string;
  readonly 'aria-current'?: 'page' | undefined;
  readonly children: ComponentChildren;
}

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a class={rest.class} aria-current={rest['aria-current']} href={to} onClick={onClick}>
      {children}
    </a>
  );
}
