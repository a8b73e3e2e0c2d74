import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { FlagTokens } from '../flags/flag-tokens.js';
import { toErrorResponse } from '../http/error-response.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import { authorize, filterItems, unrestricted } from './access.js';
import { setIdentity, type Identity } from './identity.js';
import { matchRoute, UNLISTED, type MatchedRoute } from './permissions.js';
import type { AuthFailureLimiter } from './rate-limiter.js';
import type { TokenService } from './token-service.js';

export const SESSION_COOKIE = 'sluice_session';

export interface AuthMiddlewareDeps {
  readonly tokens: TokenService;
  readonly limiter: AuthFailureLimiter;
  readonly store: Pick<Store, 'rollouts' | 'experiments'>;
  readonly log: Logger;
  /** The flag SDKs' client tokens: POST /api/v1/events accepts one instead of an API token. */
  readonly flagTokens?: FlagTokens | undefined;
}

/** The socket's peer address (the rate limiter's key). */
export function remoteAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** The presented token: `Authorization: Bearer …` first, else the session cookie. */
function credentialOf(c: Context): { readonly text: string; readonly from: 'header' | 'cookie' } | undefined {
  const header = c.req.header('authorization');
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer !== undefined) return { text: bearer, from: 'header' };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie === undefined || cookie === '' ? undefined : { text: cookie, from: 'cookie' };
}

/** An error answer with extra headers (WWW-Authenticate, Retry-After). */
export function errorAnswer(c: Context, error: SluiceError, log: Logger, headers: Record<string, string> = {}): Response {
  const { status, body } = toErrorResponse(error, log);
  return c.json(body, status as 401, headers);
}

const HOW_TO = 'send "Authorization: Bearer <token>" (CLI: --token or SLUICE_TOKEN) or sign in to the release center; an admin makes tokens with `sluice token create`';

export function unauthenticated(c: Context, log: Logger, reason: 'missing' | 'invalid' | 'expired' | 'revoked'): Response {
  const message =
    reason === 'missing' ? `This API needs a token: ${HOW_TO}` : reason === 'invalid' ? `The token is not valid: ${HOW_TO}` : `The token is ${reason}: ask an admin for a new one`;
  const error = new SluiceError(ErrorCode.UNAUTHENTICATED, message, { details: { reason } });
  const challenge = reason === 'missing' ? 'Bearer realm="sluice"' : 'Bearer realm="sluice", error="invalid_token"';
  return errorAnswer(c, error, log, { 'www-authenticate': challenge });
}

export function tooManyFailures(c: Context, log: Logger, retryAfter: number): Response {
  const error = new SluiceError(ErrorCode.TOO_MANY_REQUESTS, `Too many failed sign-ins from this address: retry in ${retryAfter} s`, { details: { retryAfterSeconds: retryAfter } });
  return errorAnswer(c, error, log, { 'retry-after': String(retryAfter) });
}

/** Cookie-authenticated writes must come from the same origin (CSRF): an Origin header, when sent, must name the Host. */
function crossOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined || c.req.method === 'GET' || c.req.method === 'HEAD') return false;
  try {
    return new URL(origin).host !== (c.req.header('host') ?? '');
  } catch {
    return true;
  }
}

/** Keeps only the granted services' items of a list answer. */
async function filterList(c: Context, identity: Identity, route: MatchedRoute): Promise<void> {
  const field = route.permission.itemService;
  if (field === undefined || unrestricted(identity) || c.res.status !== 200 || !(c.res.headers.get('content-type') ?? '').includes('json')) return;
  const body = filterItems(await c.res.json(), identity, field);
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(JSON.stringify(body), { status: 200, headers });
}

/**
 * Authentication and authorization for every route, before the handlers, from the one table of
 * permissions.ts. Public and flag-client routes pass untouched; everything else needs a valid token
 * whose role, scopes and service grants cover the route. Failed tokens count against the address.
 */
export function authMiddleware(deps: AuthMiddlewareDeps): MiddlewareHandler {
  return async (c, next) => {
    const route = matchRoute(c.req.method, c.req.path);
    const access = route?.permission.access;
    if (access === 'public' || access === 'client') return next();
    const address = remoteAddress(c);
    const wait = deps.limiter.retryAfter(address);
    if (wait > 0) return tooManyFailures(c, deps.log, wait);
    const header = c.req.header('authorization');
    if (route?.permission.orClientToken === true && header !== undefined && deps.flagTokens?.environmentOf(header) !== undefined) return next();
    const credential = credentialOf(c);
    if (credential === undefined) return unauthenticated(c, deps.log, 'missing');
    const result = await deps.tokens.authenticate(credential.text);
    if (!result.ok) {
      deps.limiter.recordFailure(address);
      deps.log.info('authentication failed', { reason: result.reason, address, path: c.req.path.slice(0, 200) });
      return unauthenticated(c, deps.log, result.reason);
    }
    if (credential.from === 'cookie' && crossOrigin(c)) {
      return errorAnswer(c, new SluiceError(ErrorCode.FORBIDDEN, 'A request signed in by cookie must come from the release center itself: its Origin does not match the Host', { details: { reason: 'cross-origin' } }), deps.log);
    }
    setIdentity(c, result.identity);
    const matched = route ?? { key: `${c.req.method} ${c.req.path.slice(0, 200)} (a route not in the permission table)`, permission: UNLISTED, params: {} };
    try {
      await authorize(result.identity, matched, c.req.method, deps.store);
    } catch (error) {
      if (error instanceof SluiceError) return errorAnswer(c, error, deps.log);
      throw error;
    }
    await next();
    await filterList(c, result.identity, matched);
  };
}
