/** The roles of API tokens, least to most: viewer reads, operator also steers releases, admin does everything. */
export const TOKEN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/**
 * An API token as stored: metadata and only a SHA-256 digest of its secret (never the secret or the
 * token text). The token text is `sluice_<id>_<secret>`: lookups go by `id`, then the digest is
 * compared in constant time (see auth/token-text.ts).
 */
export interface StoredToken {
  /** Random, 12 characters of [a-z0-9]; part of the token text. */
  readonly id: string;
  /** Unique among unrevoked tokens; the actor recorded for what the token does. */
  readonly name: string;
  readonly role: TokenRole;
  /** Glob patterns of the services the token may act on ("*" = all). */
  readonly services: readonly string[];
  /** The resource families the token is limited to; empty = all. */
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly createdBy: string;
  /** ms since the epoch, or null (never expires). */
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  /** Lower-case hex SHA-256 of the secret. */
  readonly digest: string;
}

/**
 * API tokens. Outside transactions: each call is one atomic write of its own. Revocation and
 * last use are columns of their own, so recording a use never undoes a revocation.
 */
export interface TokenStore {
  /**
   * Stores a new token (its revokedAt and lastUsedAt as given). A revoked token of the same name is
   * replaced; throws CONFLICT when an unrevoked token has the name or the id is taken.
   */
  create(token: StoredToken): Promise<StoredToken>;
  get(id: string): Promise<StoredToken | undefined>;
  /** The token of that name (unrevoked, else the revoked one kept until the name is reused). */
  getByName(name: string): Promise<StoredToken | undefined>;
  /** Every token, revoked ones included, sorted by name. */
  list(): Promise<readonly StoredToken[]>;
  /** How many tokens are not revoked. */
  countActive(): Promise<number>;
  /** Sets revokedAt (an earlier revocation is kept); the token after it, or undefined when none has the name. */
  revoke(name: string, at: number): Promise<StoredToken | undefined>;
  /** Records a use: lastUsedAt becomes `at` unless it is already later. Nothing when the id is unknown. */
  touch(id: string, at: number): Promise<void>;
}
