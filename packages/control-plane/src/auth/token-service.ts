import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import type { StoredToken, TokenStore } from '../store/token-store.js';
import type { Identity } from './identity.js';
import type { NewTokenRequest } from './token-input.js';
import { newToken, parseToken, secretDigest, secretMatches } from './token-text.js';

/** The most unrevoked tokens a control plane keeps. */
export const MAX_TOKENS = 1000;
/** lastUsedAt is written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' | 'revoked' };

/** What the API shows of a token: metadata only, never the secret, its digest or its id. */
export type TokenView = Omit<StoredToken, 'id' | 'digest'> & { readonly state: 'active' | 'expired' | 'revoked' };

export function identityOfToken(token: StoredToken): Identity {
  return { name: token.name, role: token.role, services: token.services, scopes: token.scopes, expiresAt: token.expiresAt };
}

/** A token text given from outside (SLUICE_BOOTSTRAP_TOKEN); its error never echoes it. */
export function givenToken(text: string): { id: string; secret: string; text: string } {
  const parts = parseToken(text);
  if (parts === undefined) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, 'SLUICE_BOOTSTRAP_TOKEN is not a Sluice token', {
      problems: [{ path: 'SLUICE_BOOTSTRAP_TOKEN', message: 'not sluice_<id>_<secret>', expected: 'sluice_ + 12 characters of a-z and 0-9 + _ + 32 to 128 characters of A-Z, a-z, 0-9, "_" and "-" (docs/auth.md shows how to make one)' }],
    });
  }
  return { ...parts, text };
}

/** Creates, checks, lists and revokes API tokens over the store. */
export class TokenService {
  readonly #store: TokenStore;
  readonly #clock: Clock;

  constructor(store: TokenStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Checks a presented token text: known id, matching secret (constant time), not revoked, not expired. */
  async authenticate(text: string): Promise<AuthResult> {
    const parts = parseToken(text);
    if (parts === undefined) return { ok: false, reason: 'invalid' };
    const token = await this.#store.get(parts.id);
    if (!secretMatches(parts.secret, token?.digest) || token === undefined) return { ok: false, reason: 'invalid' };
    const now = this.#clock.now();
    if (token.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (token.expiresAt !== null && now >= token.expiresAt) return { ok: false, reason: 'expired' };
    if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_EVERY_MS) await this.#store.touch(token.id, now);
    return { ok: true, identity: identityOfToken(token) };
  }

  /** Makes a token; the text is answered once here and never again. */
  async create(request: NewTokenRequest, createdBy: string, text?: string): Promise<{ readonly text: string; readonly token: TokenView }> {
    if ((await this.#store.countActive()) >= MAX_TOKENS) {
      throw new SluiceError(ErrorCode.CONFLICT, `There are already ${MAX_TOKENS} tokens: revoke unused ones first (sluice token list, sluice token revoke NAME)`, { details: { max: MAX_TOKENS } });
    }
    const parts = text === undefined ? newToken() : givenToken(text);
    const now = this.#clock.now();
    const stored: StoredToken = {
      id: parts.id,
      name: request.name,
      role: request.role,
      services: request.services,
      scopes: request.scopes,
      createdAt: now,
      createdBy,
      expiresAt: request.expiresInMs === undefined ? null : now + request.expiresInMs,
      revokedAt: null,
      lastUsedAt: null,
      digest: secretDigest(parts.secret),
    };
    return { text: parts.text, token: this.view(await this.#store.create(stored)) };
  }

  async list(): Promise<readonly TokenView[]> {
    return (await this.#store.list()).map((t) => this.view(t));
  }

  /** Revokes by name; NOT_FOUND when no token has it. Revoking twice keeps the first time. */
  async revoke(name: string): Promise<TokenView> {
    const token = await this.#store.revoke(name, this.#clock.now());
    if (token === undefined) throw new SluiceError(ErrorCode.NOT_FOUND, `No token is named "${name.slice(0, 64)}"; sluice token list shows them`, { details: { name: name.slice(0, 64) } });
    return this.view(token);
  }

  /** How many tokens are not revoked. */
  countActive(): Promise<number> {
    return this.#store.countActive();
  }

  view(token: StoredToken): TokenView {
    const now = this.#clock.now();
    const state = token.revokedAt !== null ? 'revoked' : token.expiresAt !== null && now >= token.expiresAt ? 'expired' : 'active';
    const { name, role, services, scopes, createdAt, createdBy, expiresAt, revokedAt, lastUsedAt } = token;
    return { name, role, services, scopes, createdAt, createdBy, expiresAt, revokedAt, lastUsedAt, state };
  }
}
