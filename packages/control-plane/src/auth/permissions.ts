import type { TokenRole } from '../store/token-store.js';

/** The resource families a token may be limited to (docs/auth.md). An empty list means all of them. */
export const TOKEN_SCOPES = ['rollouts', 'flags', 'experiments', 'resources', 'webhooks', 'events', 'metrics', 'tokens'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * What a route is about, for service grants:
 * - `service`, `rollout`, `experiment`: the `:name` path parameter names one (a rollout's and an
 *   experiment's service are looked up); the token needs a grant matching that service.
 * - `list`: a list whose items are filtered to the granted services (the field named by `itemService`).
 * - `shared`: not about one service (flags, segments, webhooks…): any grant reads; writes need `*`.
 * - `all`: data of every service at once that cannot be filtered (streams, /metrics): needs `*`.
 */
export type RouteSubject = 'service' | 'rollout' | 'experiment' | 'list' | 'shared' | 'all';

/** Who may call a route. `public`: anyone, even with auth on; `client`: flag SDK routes with their own client tokens. */
export type RouteAccess = 'public' | 'client' | 'authenticated' | TokenRole;

export interface RoutePermission {
  readonly access: RouteAccess;
  readonly scope?: TokenScope;
  readonly subject?: RouteSubject;
  /** For `list`: where each item names its service. */
  readonly itemService?: 'name' | 'service' | 'spec.service';
  /** Also accept a valid flag client token (the SDK posts experiment events with it). */
  readonly orClientToken?: boolean;
}

const pub: RoutePermission = { access: 'public' };
const client: RoutePermission = { access: 'client' };
const read = (scope: TokenScope, subject: RouteSubject, itemService?: RoutePermission['itemService']): RoutePermission =>
  itemService === undefined ? { access: 'viewer', scope, subject } : { access: 'viewer', scope, subject, itemService };
const operate = (scope: TokenScope, subject: RouteSubject): RoutePermission => ({ access: 'operator', scope, subject });
const administer = (scope: TokenScope): RoutePermission => ({ access: 'admin', scope, subject: 'shared' });

const R = (command: string) => [`POST /api/v1/rollouts/:name/${command}`, operate('rollouts', 'rollout')] as const;

/**
 * THE table: every route of createApi (method and Hono path pattern) and what it needs. The
 * middleware (auth-middleware.ts) looks every request up here; permissions.test.ts fails when a
 * route of the API has no entry. HEAD is looked up as GET.
 */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RoutePermission>> = Object.fromEntries([
  ['GET /healthz', pub],
  ['GET /', pub],
  ['GET /ui', pub],
  ['GET /ui/*', pub],
  ['GET /api/v1/openapi.json', pub],
  ['POST /api/v1/session', pub],
  ['DELETE /api/v1/session', pub],
  ['GET /api/v1/whoami', { access: 'authenticated' }],
  ['GET /metrics', read('metrics', 'all')],
  ['GET /api/v1/schema', read('resources', 'shared')],
  ['POST /api/v1/apply', administer('resources')],
  ['POST /api/v1/proxy/restart', administer('resources')],
  ['GET /api/v1/events', read('events', 'list', 'service')],
  ['GET /api/v1/events/stream', read('events', 'all')],
  ['GET /api/v1/services', read('rollouts', 'list', 'name')],
  ['GET /api/v1/services/:name', read('rollouts', 'service')],
  ['GET /api/v1/services/:name/history', read('rollouts', 'service')],
  ['GET /api/v1/services/:name/revisions', read('rollouts', 'service')],
  ['GET /api/v1/services/:name/traffic', read('rollouts', 'service')],
  ['POST /api/v1/services/:name/undo', operate('rollouts', 'service')],
  ['GET /api/v1/rollouts', read('rollouts', 'list', 'spec.service')],
  ['GET /api/v1/rollouts/:name', read('rollouts', 'rollout')],
  ['GET /api/v1/rollouts/:name/events', read('rollouts', 'rollout')],
  ['GET /api/v1/rollouts/:name/decisions', read('rollouts', 'rollout')],
  ['GET /api/v1/rollouts/:name/metrics', read('rollouts', 'rollout')],
  R('promote'), R('abort'), R('approve'), R('reject'), R('pause'), R('resume'),
  ['GET /api/v1/segments', read('flags', 'shared')],
  ['GET /api/v1/segments/:name', read('flags', 'shared')],
  ['GET /api/v1/targets', read('resources', 'shared')],
  ['GET /api/v1/targets/:name', read('resources', 'shared')],
  ['GET /api/v1/analysistemplates', read('resources', 'shared')],
  ['GET /api/v1/analysistemplates/:name', read('resources', 'shared')],
  ['GET /api/v1/experiments', read('experiments', 'list', 'spec.service')],
  ['GET /api/v1/experiments/:name', read('experiments', 'experiment')],
  ['POST /api/v1/experiments/:name/stop', operate('experiments', 'experiment')],
  ['POST /api/v1/experiments/:name/promote', operate('experiments', 'experiment')],
  ['POST /api/v1/events', { access: 'operator', scope: 'experiments', subject: 'shared', orClientToken: true }],
  ['GET /api/v1/flags', read('flags', 'shared')],
  ['GET /api/v1/flags/stale', read('flags', 'shared')],
  ['GET /api/v1/flags/:name', read('flags', 'shared')],
  ['GET /api/v1/flags/:name/history', read('flags', 'shared')],
  ['POST /api/v1/flags/:name/environments/:environment', operate('flags', 'shared')],
  ['POST /api/v1/flags/:name/kill', operate('flags', 'shared')],
  ['POST /api/v1/flags/:name/restore', operate('flags', 'shared')],
  ['POST /api/v1/flags/evaluate', client],
  ['GET /api/v1/flags/state', client],
  ['GET /api/v1/flags/stream', client],
  ['POST /api/v1/flags/metrics', client],
  ['GET /api/v1/webhooks', read('webhooks', 'shared')],
  ['GET /api/v1/webhooks/:name', read('webhooks', 'shared')],
  ['GET /api/v1/webhooks/:name/dead-letters', read('webhooks', 'shared')],
  ['POST /api/v1/webhooks/:name/dead-letters/:id/retry', operate('webhooks', 'shared')],
  ['GET /api/v1/tokens', administer('tokens')],
  ['POST /api/v1/tokens', administer('tokens')],
  ['DELETE /api/v1/tokens/:name', administer('tokens')],
  // Remote data planes (sluice proxy serve) and high availability: every service's routes at once.
  ['GET /api/v1/data-plane/stream', read('resources', 'all')],
  ['POST /api/v1/data-plane/reports', operate('resources', 'all')],
  ['POST /api/v1/data-plane/observations', operate('resources', 'all')],
  ['GET /api/v1/leader', read('resources', 'shared')],
  ['GET /api/v1/data-planes', read('resources', 'all')],
  ['GET /api/client/features', client],
  ['GET /api/client/delta', client],
  ['GET /api/client/streaming', client],
  ['POST /api/client/metrics', client],
  ['POST /api/client/register', client],
]);

/**
 * What a request no entry matches needs: an admin token granted every service. Deny by default: a
 * route added without an entry (the coverage test catches that) is never open to a weaker token.
 */
export const UNLISTED: RoutePermission = { access: 'admin', subject: 'all' };

/** A route found for a request: its permission and the decoded path parameters. */
export interface MatchedRoute {
  readonly key: string;
  readonly permission: RoutePermission;
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  readonly key: string;
  readonly method: string;
  readonly segments: readonly string[];
  readonly permission: RoutePermission;
}

const COMPILED: readonly CompiledRoute[] = Object.entries(ROUTE_PERMISSIONS).map(([key, permission]) => {
  const [method = '', path = ''] = key.split(' ');
  return { key, method, segments: path.split('/').slice(1), permission };
});

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchSegments(route: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const want = route[i] ?? '';
    if (want === '*') return params;
    const got = path[i];
    if (got === undefined) return undefined;
    if (want.startsWith(':')) {
      const value = decode(got);
      if (value === undefined || value === '') return undefined;
      params[want.slice(1)] = value;
    } else if (want !== got) return undefined;
  }
  return route.length === path.length ? params : undefined;
}

/**
 * The table's entry for a request, or undefined (no such route: see UNLISTED).
 * When several patterns match, the one with the most literal segments wins (`/flags/state` over
 * `/flags/:name`), as the API registers its literal routes first.
 */
export function matchRoute(method: string, path: string): MatchedRoute | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const parts = path.split('/').slice(1);
  let best: { route: CompiledRoute; params: Record<string, string>; literal: number } | undefined;
  for (const route of COMPILED) {
    if (route.method !== wanted) continue;
    const params = matchSegments(route.segments, parts);
    if (params === undefined) continue;
    const literal = route.segments.filter((s) => !s.startsWith(':') && s !== '*').length;
    if (best === undefined || literal > best.literal) best = { route, params, literal };
  }
  return best === undefined ? undefined : { key: best.route.key, permission: best.route.permission, params: best.params };
}

const RANK: Readonly<Record<TokenRole, number>> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` includes everything `need` may do (admin ⊃ operator ⊃ viewer). */
export function roleAtLeast(role: TokenRole, need: TokenRole): boolean {
  return RANK[role] >= RANK[need];
}

/** Whether a grant pattern (`*` any run of characters, `?` one) matches the whole service name. */
export function matchesService(pattern: string, service: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(service);
}

export function serviceGranted(grants: readonly string[], service: string): boolean {
  return grants.some((pattern) => matchesService(pattern, service));
}
