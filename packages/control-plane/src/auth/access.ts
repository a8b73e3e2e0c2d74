import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Store } from '../store/store.js';
import type { Identity } from './identity.js';
import { roleAtLeast, serviceGranted, type MatchedRoute, type RoutePermission } from './permissions.js';

/** Whether the identity's grants cover every service ("*"). */
export function unrestricted(identity: Identity): boolean {
  return identity.services.includes('*');
}

function forbidden(message: string, needs: Record<string, unknown>): SluiceError {
  return new SluiceError(ErrorCode.FORBIDDEN, message, { details: needs });
}

/** The service a route is about, looked up for rollouts and experiments; undefined when none (or it does not exist: the handler answers 404). */
async function serviceOf(route: MatchedRoute, store: Pick<Store, 'rollouts' | 'experiments'>): Promise<string | undefined> {
  const name = route.params['name'] ?? '';
  switch (route.permission.subject) {
    case 'service':
      return name;
    case 'rollout':
      return (await store.rollouts.get(name))?.spec.service;
    case 'experiment':
      return (await store.experiments.get(name))?.spec.service;
    default:
      return undefined;
  }
}

function checkRoleAndScope(identity: Identity, route: MatchedRoute, who: string): void {
  const { access, scope } = route.permission;
  if (access !== 'authenticated' && access !== 'public' && access !== 'client' && !roleAtLeast(identity.role, access)) {
    throw forbidden(`${route.key} needs the ${access} role; ${who} has the ${identity.role} role`, { needs: access, role: identity.role });
  }
  if (scope !== undefined && identity.scopes.length > 0 && !identity.scopes.includes(scope)) {
    throw forbidden(`${route.key} needs the "${scope}" scope; ${who} is limited to ${identity.scopes.join(', ')}`, { needsScope: scope, scopes: identity.scopes });
  }
}

/**
 * Throws FORBIDDEN unless the identity may call the route: its role reaches the route's, its scopes
 * (when limited) include the route's, and its service grants cover what the route is about.
 * Messages name what is needed and what the token has, never the token itself.
 */
export async function authorize(identity: Identity, route: MatchedRoute, method: string, store: Pick<Store, 'rollouts' | 'experiments'>): Promise<void> {
  const who = `token "${identity.name}"`;
  checkRoleAndScope(identity, route, who);
  if (unrestricted(identity)) return;
  const { subject } = route.permission;
  const grants = identity.services.join(', ');
  const service = await serviceOf(route, store);
  if (service !== undefined) {
    if (serviceGranted(identity.services, service)) return;
    throw forbidden(`${route.key} on service "${service}" needs a grant for it; ${who} is granted ${grants}`, { service, services: identity.services });
  }
  const write = method !== 'GET' && method !== 'HEAD';
  const needsAll = subject === 'all' || ((subject === 'shared' || subject === 'experiment') && write);
  if (needsAll) {
    throw forbidden(`${route.key} is not about one service and needs the grant "*"; ${who} is granted ${grants}`, { needsService: '*', services: identity.services });
  }
}

function itemService(item: unknown, field: NonNullable<RoutePermission['itemService']>): unknown {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  if (field !== 'spec.service') return record[field];
  const spec = record['spec'];
  return typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>)['service'] : undefined;
}

/** Keeps the items of a list answer about a granted service (items about none are left out). */
export function filterItems(body: unknown, identity: Identity, field: NonNullable<RoutePermission['itemService']>): unknown {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { items?: unknown }).items)) return body;
  const items = (body as { items: unknown[] }).items.filter((item) => {
    const service = itemService(item, field);
    return typeof service === 'string' && serviceGranted(identity.services, service);
  });
  return { ...body, items };
}
