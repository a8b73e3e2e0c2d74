import { ErrorCode, SluiceError } from '@sluice/domain';
import type { StoredToken, TokenStore } from '../token-store.js';

export function tokenConflict(name: string): SluiceError {
  return new SluiceError(ErrorCode.CONFLICT, `A token named "${name}" already exists: revoke it first or choose another name`, { details: { name } });
}

/** The memory store's tokens, kept as JSON text so callers never share stored state. */
export function memoryTokens(check: (operation: string) => void): TokenStore {
  const rows = new Map<string, string>();
  const all = () => [...rows.values()].map((json) => JSON.parse(json) as StoredToken);
  const byName = (name: string) => all().find((t) => t.name === name);
  return {
    create: async (token) => {
      check('tokens.create');
      const existing = byName(token.name);
      if (rows.has(token.id) || (existing !== undefined && existing.revokedAt === null)) throw tokenConflict(token.name);
      if (existing !== undefined) rows.delete(existing.id);
      rows.set(token.id, JSON.stringify(token));
      return token;
    },
    get: async (id) => {
      check('tokens.get');
      const json = rows.get(id);
      return json === undefined ? undefined : (JSON.parse(json) as StoredToken);
    },
    getByName: async (name) => {
      check('tokens.getByName');
      return byName(name);
    },
    list: async () => {
      check('tokens.list');
      return all().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    countActive: async () => {
      check('tokens.countActive');
      return all().filter((t) => t.revokedAt === null).length;
    },
    revoke: async (name, at) => {
      check('tokens.revoke');
      const token = byName(name);
      if (token === undefined) return undefined;
      const revoked = { ...token, revokedAt: token.revokedAt ?? at };
      rows.set(token.id, JSON.stringify(revoked));
      return revoked;
    },
    touch: async (id, at) => {
      check('tokens.touch');
      const json = rows.get(id);
      if (json === undefined) return;
      const token = JSON.parse(json) as StoredToken;
      if (token.lastUsedAt === null || token.lastUsedAt < at) rows.set(id, JSON.stringify({ ...token, lastUsedAt: at }));
    },
  };
}
