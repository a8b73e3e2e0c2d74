import { createHash, timingSafeEqual } from 'node:crypto';
import { ENVIRONMENT_NAME, ErrorCode, SluiceError } from '@sluice/domain';

/** A client token: what SDKs (Sluice's and Unleash's) present to read one environment's flags. */
export interface FlagTokenEntry {
  readonly token: string;
  readonly environment: string;
}

const MAX_TOKEN_LENGTH = 512;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Client tokens, kept only as SHA-256 digests and compared in constant time. A token reads exactly
 * one environment. Unleash SDKs send the token as the whole Authorization header; Sluice's SDK sends
 * `Bearer <token>`: both are accepted.
 */
export class FlagTokens {
  readonly #entries: readonly { readonly digest: Buffer; readonly environment: string }[];

  constructor(entries: readonly FlagTokenEntry[]) {
    this.#entries = entries.map((e) => ({ digest: digest(e.token), environment: e.environment }));
  }

  get configured(): boolean {
    return this.#entries.length > 0;
  }

  /** The environment the Authorization header's token reads, or undefined when it is not a known token. */
  environmentOf(authorization: string | undefined): string | undefined {
    if (authorization === undefined) return undefined;
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const presented = digest(token);
    let found: string | undefined;
    // Every entry is compared, so the time taken says nothing about which (if any) matched.
    for (const entry of this.#entries) if (timingSafeEqual(entry.digest, presented)) found = entry.environment;
    return found;
  }
}

/**
 * Reads `environment:token` pairs (from `--flag-token` or SLUICE_FLAG_TOKENS, comma-separated).
 * Throws INVALID_REQUEST naming the bad entry by position (never echoing a token).
 */
export function parseFlagTokens(text: string | undefined): FlagTokenEntry[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((raw, i) => {
    const entry = raw.trim();
    const colon = entry.indexOf(':');
    const environment = colon > 0 ? entry.slice(0, colon) : '';
    const token = colon > 0 ? entry.slice(colon + 1) : '';
    if (!ENVIRONMENT_NAME.test(environment) || token.length < 16 || token.length > MAX_TOKEN_LENGTH) {
      throw new SluiceError(ErrorCode.INVALID_REQUEST, `Flag token ${i + 1} is not environment:token`, {
        problems: [{ path: `flagTokens[${i}]`, message: 'invalid flag token entry', expected: 'environment:token, e.g. production:<16 to 512 characters>' }],
      });
    }
    return { environment, token };
  });
}
