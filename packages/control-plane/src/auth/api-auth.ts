import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, isSluiceError, type Clock } from '@sluice/domain';
import type { Hono } from 'hono';
import type { FlagTokens } from '../flags/flag-tokens.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import { authMiddleware } from './auth-middleware.js';
import { authRoutes } from './auth-routes.js';
import { AuthFailureLimiter } from './rate-limiter.js';
import { givenToken, TokenService } from './token-service.js';

/** The API's authentication: on or off, the tokens, and the failure limiter. */
export interface ApiAuth {
  /** sluice server --auth: every route but the public and flag-client ones needs a token. */
  readonly enabled: boolean;
  readonly tokens: TokenService;
  readonly limiter: AuthFailureLimiter;
}

export function createApiAuth(store: Store, clock: Clock, enabled: boolean): ApiAuth {
  return { enabled, tokens: new TokenService(store.tokens, clock), limiter: new AuthFailureLimiter(clock) };
}

interface MountDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly flagTokens?: FlagTokens | undefined;
}

/**
 * Mounts authentication: with auth on, the middleware in front of every route of `app` (call this
 * before any route is added to `app`); in any case the session, whoami and token routes, returned to
 * be mounted under /api/v1.
 */
export function mountAuth(app: Hono, auth: ApiAuth, deps: MountDeps): Hono {
  if (auth.enabled) app.use('*', authMiddleware({ tokens: auth.tokens, limiter: auth.limiter, store: deps.store, log: deps.log, flagTokens: deps.flagTokens }));
  return authRoutes({ enabled: auth.enabled, tokens: auth.tokens, limiter: auth.limiter, log: deps.log, clock: deps.clock, events: deps.store.events });
}

/** Throws INVALID_REQUEST (never echoing it) when SLUICE_BOOTSTRAP_TOKEN is given and is not a token: checked before anything starts. */
export function checkBootstrapToken(text: string | undefined): void {
  if (text !== undefined) givenToken(text);
}

const ADMIN = { name: 'admin', role: 'admin', services: ['*'], scopes: [], expiresInMs: undefined } as const;

/**
 * With auth on and no unrevoked token, makes an admin token named "admin": from SLUICE_BOOTSTRAP_TOKEN
 * when given, else a random one written to `<dataDir>/admin-token` (mode 0600). Logs only the file's path.
 */
export async function bootstrapAdminToken(tokens: TokenService, options: { dataDir: string; bootstrapToken?: string | undefined; log: Logger }): Promise<void> {
  const { bootstrapToken, log } = options;
  if ((await tokens.countActive()) > 0) {
    if (bootstrapToken !== undefined) log.info('tokens exist: SLUICE_BOOTSTRAP_TOKEN is not used');
    return;
  }
  try {
    const { text } = await tokens.create(ADMIN, 'bootstrap', bootstrapToken);
    if (bootstrapToken !== undefined) {
      log.info('auth is on: admin token "admin" created from SLUICE_BOOTSTRAP_TOKEN');
      return;
    }
    const file = join(options.dataDir, 'admin-token');
    // A new file (an old one is removed first), so it is never readable by others for a moment.
    await rm(file, { force: true });
    await writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
    log.info('auth is on and there was no token: admin token "admin" written to a file readable only by you', { file });
  } catch (error) {
    // Another replica bootstrapped at the same moment.
    if (isSluiceError(error) && error.code === ErrorCode.CONFLICT) return;
    throw error;
  }
}

/**
 * The API's auth as `sluice server` asks for it: off unless `options.enabled`; on, a malformed
 * bootstrap token is refused and, with no token yet, the admin token is made (bootstrapAdminToken).
 */
export async function startApiAuth(store: Store, clock: Clock, options: { readonly enabled: boolean; readonly bootstrapToken?: string | undefined } | undefined, where: { dataDir: string; log: Logger }): Promise<ApiAuth> {
  const auth = createApiAuth(store, clock, options?.enabled === true);
  if (!auth.enabled) return auth;
  checkBootstrapToken(options?.bootstrapToken);
  await bootstrapAdminToken(auth.tokens, { ...where, bootstrapToken: options?.bootstrapToken });
  return auth;
}
