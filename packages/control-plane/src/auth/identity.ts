import type { Context } from 'hono';
import type { TokenRole } from '../store/token-store.js';

/** Who a request acts as: the token's metadata (never its secret). */
export interface Identity {
  readonly name: string;
  readonly role: TokenRole;
  readonly services: readonly string[];
  readonly scopes: readonly string[];
  readonly expiresAt: number | null;
}

/** With auth off every request acts as this: everything allowed, the actor header names the person. */
export const ANONYMOUS: Identity = { name: 'anonymous', role: 'admin', services: ['*'], scopes: [], expiresAt: null };

const identities = new WeakMap<Request, Identity>();

/** Records the identity the auth middleware authenticated for this request. */
export function setIdentity(c: Context, identity: Identity): void {
  identities.set(c.req.raw, identity);
}

/** The identity authenticated for this request; undefined when auth is off (or the route is public). */
export function identityOf(c: Context): Identity | undefined {
  return identities.get(c.req.raw);
}

/** What GET /api/v1/whoami and POST /api/v1/session answer. */
export function whoamiView(identity: Identity | undefined) {
  if (identity === undefined) return { auth: 'off' as const, ...ANONYMOUS };
  return { auth: 'on' as const, name: identity.name, role: identity.role, services: identity.services, scopes: identity.scopes, expiresAt: identity.expiresAt };
}
