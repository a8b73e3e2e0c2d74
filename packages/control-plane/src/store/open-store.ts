import { join } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Store } from './store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// URL; absent or empty means SQLite in dataDir. */
  readonly databaseUrl?: string | undefined;
  /** Directory of the embedded SQLite database (`<dataDir>/sluice.db`). */
  readonly dataDir: string;
}

const POSTGRES_SCHEMES = ['postgres://', 'postgresql://'] as const;

/** Opens the store the configuration asks for: PostgreSQL for a database URL, else SQLite. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl?.trim() ?? '';
  if (url === '') return openSqliteStore({ file: join(options.dataDir, 'sluice.db') });
  const lower = url.toLowerCase();
  if (POSTGRES_SCHEMES.some((scheme) => lower.startsWith(scheme))) return openPostgresStore({ url });
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  const found = scheme === undefined ? 'a value without a URL scheme' : `scheme "${scheme}:"`;
  throw new SluiceError(
    ErrorCode.INVALID_REQUEST,
    `Unsupported database URL: found ${found}; expected a URL starting with ${POSTGRES_SCHEMES.join(' or ')}, or no database URL to use SQLite at <dataDir>/sluice.db`,
    {
      problems: [{ path: 'databaseUrl', message: 'unsupported database URL scheme', found, expected: POSTGRES_SCHEMES.join(' or ') }],
      details: { accepted: [...POSTGRES_SCHEMES] },
    },
  );
}
