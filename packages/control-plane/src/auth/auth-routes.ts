import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { actorOf, limitBody, MAX_COMMAND_BYTES, parseJsonObject } from '../http/request-input.js';
import type { Logger } from '../platform/logger.js';
import { remoteAddress, SESSION_COOKIE, tooManyFailures, unauthenticated } from './auth-middleware.js';
import { identityOf, whoamiView } from './identity.js';
import type { AuthFailureLimiter } from './rate-limiter.js';
import { readNewToken } from './token-input.js';
import { MAX_TOKEN_TEXT } from './token-text.js';
import type { TokenService } from './token-service.js';
import { resourceChangedEvent, type ResourceChange } from '../events/resource-events.js';
import { sourceOf } from '../http/request-source.js';
import type { Store } from '../store/store.js';

export interface AuthRouteDeps {
  /** Whether the API asks for tokens (sluice server --auth). */
  readonly enabled: boolean;
  readonly tokens: TokenService;
  readonly limiter: AuthFailureLimiter;
  readonly log: Logger;
  readonly clock: Clock;
  /** Where token creation and revocation are recorded (the audit log); absent in some tests. */
  readonly events?: Pick<Store, 'events'>['events'] | undefined;
}

/** A token's metadata as the audit log keeps it: never its text or digest. */
function audited(token: { readonly role: string; readonly services: readonly string[]; readonly scopes: readonly string[]; readonly expiresAt: number | null }) {
  return { role: token.role, services: token.services, scopes: token.scopes, expiresAt: token.expiresAt };
}

/** Records a token change in the audit log; a failure there is logged, not answered (the change is made). */
async function recordTokenChange(deps: AuthRouteDeps, c: Context, change: Omit<ResourceChange, 'kind' | 'reason'>): Promise<void> {
  if (deps.events === undefined) return;
  const actor = actorOf(c);
  const events = resourceChangedEvent({ ...change, kind: 'Token', reason: `token ${change.name} ${change.to} by ${actor}` }, { actor, at: deps.clock.now(), source: sourceOf(c) });
  await deps.events.append(events).catch((error: unknown) => deps.log.error('could not record a token change in the audit log', { name: change.name, error: String(error) }));
}

/** https as the client sees it: the request URL, or a proxy's X-Forwarded-Proto. */
function overHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

function readTokenField(text: string): string {
  const body = parseJsonObject(text);
  const token = body['token'];
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_TEXT) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, 'Field "token" must be an API token', { problems: [{ path: '$.token', message: token === undefined ? 'missing' : 'not a token', expected: 'the text of a token, sluice_…' }] });
  }
  return token;
}

/** POST/DELETE /session (the release center's sign-in and sign-out) and GET /whoami, under /api/v1. */
function sessionRoutes(api: Hono, deps: AuthRouteDeps): void {
  api.post('/session', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const address = remoteAddress(c);
    const wait = deps.limiter.retryAfter(address);
    if (wait > 0) return tooManyFailures(c, deps.log, wait);
    const text = readTokenField(await c.req.text());
    const result = await deps.tokens.authenticate(text);
    if (!result.ok) {
      deps.limiter.recordFailure(address);
      deps.log.info('sign-in failed', { reason: result.reason, address });
      return unauthenticated(c, deps.log, result.reason);
    }
    const { expiresAt } = result.identity;
    const maxAge = expiresAt === null ? undefined : Math.max(1, Math.floor((expiresAt - deps.clock.now()) / 1000));
    setCookie(c, SESSION_COOKIE, text, { httpOnly: true, sameSite: 'Strict', path: '/', secure: overHttps(c), ...(maxAge === undefined ? {} : { maxAge }) });
    deps.log.info('signed in', { name: result.identity.name, address });
    return c.json({ ...whoamiView(result.identity), auth: deps.enabled ? 'on' : 'off' });
  });
  api.delete('/session', (c) => {
    deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: 'Strict', path: '/', secure: overHttps(c) });
    return c.body(null, 204);
  });
  api.get('/whoami', (c) => c.json(whoamiView(deps.enabled ? identityOf(c) : undefined)));
}

/** The API token routes under /api/v1 (admin only when auth is on; see permissions.ts). */
function tokenRoutes(api: Hono, deps: AuthRouteDeps): void {
  api.get('/tokens', async (c) => c.json({ items: await deps.tokens.list() }));
  api.post('/tokens', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const request = readNewToken(await c.req.text());
    const createdBy = actorOf(c);
    const { text, token } = await deps.tokens.create(request, createdBy);
    deps.log.info('token created', { name: token.name, role: token.role, services: token.services.join(','), by: createdBy });
    await recordTokenChange(deps, c, { name: token.name, before: undefined, after: audited(token), to: 'created' });
    return c.json({ token: text, ...token, warning: 'This is the only time the token is shown: keep it now.' }, 201);
  });
  api.delete('/tokens/:name', async (c) => {
    const token = await deps.tokens.revoke(c.req.param('name'));
    deps.log.info('token revoked', { name: token.name, by: actorOf(c) });
    await recordTokenChange(deps, c, { name: token.name, before: audited(token), after: { ...audited(token), revoked: true }, to: 'revoked' });
    return c.json(token);
  });
}

export function authRoutes(deps: AuthRouteDeps): Hono {
  const api = new Hono();
  sessionRoutes(api, deps);
  tokenRoutes(api, deps);
  return api;
}
