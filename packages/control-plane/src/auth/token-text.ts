import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `sluice_<id>_<secret>`: 12 characters of [a-z0-9], then 32 to 128 base64url characters. */
const TOKEN_TEXT = /^sluice_([a-z0-9]{12})_([A-Za-z0-9_-]{32,128})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** Longer than any token: a longer presented text is refused before any work. */
export const MAX_TOKEN_TEXT = 160;

export interface TokenParts {
  readonly id: string;
  readonly secret: string;
}

/** The lower-case hex SHA-256 of a secret: all the store keeps of it. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new random token: a 12-character id (60 bits) and a 32-byte secret. */
export function newToken(): TokenParts & { readonly text: string } {
  const bytes = randomBytes(12);
  const id = [...bytes].map((b) => ID_ALPHABET[b & 31]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, text: `sluice_${id}_${secret}` };
}

/** The id and secret of a token text, or undefined when it is not one. */
export function parseToken(text: string): TokenParts | undefined {
  if (text.length > MAX_TOKEN_TEXT) return undefined;
  const match = TOKEN_TEXT.exec(text);
  if (match === null) return undefined;
  return { id: match[1] ?? '', secret: match[2] ?? '' };
}

const DUMMY_DIGEST = secretDigest('no token has this secret');

/**
 * Whether `secret` hashes to `digest`, compared in constant time. Without a stored digest (unknown
 * id) a dummy is compared, so an unknown id takes as long as a wrong secret.
 */
export function secretMatches(secret: string, digest: string | undefined): boolean {
  const expected = Buffer.from(digest ?? DUMMY_DIGEST, 'hex');
  const presented = Buffer.from(secretDigest(secret), 'hex');
  return expected.length === presented.length && timingSafeEqual(expected, presented) && digest !== undefined;
}
