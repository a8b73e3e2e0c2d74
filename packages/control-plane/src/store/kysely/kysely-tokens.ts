import type { StoredToken, TokenStore } from '../token-store.js';
import { tokenConflict } from '../memory/memory-tokens.js';
import type { MetricSampleAccess } from './kysely-metric-samples.js';
import { parseBody } from './store-database.js';

type Db = MetricSampleAccess['db'];

/** The columns of a token; the body holds what never changes after creation (digest included). */
function toRow(token: StoredToken) {
  const { revokedAt, lastUsedAt, ...fixed } = token;
  return { id: token.id, name: token.name, revoked_at: revokedAt, last_used_at: lastUsedAt, body: JSON.stringify(fixed) };
}

interface TokenRow {
  readonly body: unknown;
  readonly revoked_at: number | string | null;
  readonly last_used_at: number | string | null;
}

function fromRow(row: TokenRow): StoredToken {
  const fixed = parseBody(row.body) as unknown as Omit<StoredToken, 'revokedAt' | 'lastUsedAt'>;
  return { ...fixed, revokedAt: row.revoked_at === null ? null : Number(row.revoked_at), lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at) };
}

const COLUMNS = ['body', 'revoked_at', 'last_used_at'] as const;

async function create(conn: Db, token: StoredToken): Promise<StoredToken> {
  const existing = await conn.selectFrom('tokens').select(['id', 'revoked_at']).where('name', '=', token.name).executeTakeFirst();
  if (existing !== undefined && existing.revoked_at === null) throw tokenConflict(token.name);
  if (existing !== undefined) await conn.deleteFrom('tokens').where('id', '=', existing.id).execute();
  const result = await conn.insertInto('tokens').values(toRow(token)).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) throw tokenConflict(token.name);
  return token;
}

/** tokens over SQLite or Postgres; each write is a transaction of its own. */
export function kyselyTokens(access: MetricSampleAccess): TokenStore {
  const byName = async (db: Db, name: string) => {
    const row = await db.selectFrom('tokens').select(COLUMNS).where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  };
  return {
    create: async (token) => {
      access.check('tokens.create');
      return access.write((conn) => create(conn, token));
    },
    get: async (id) => {
      access.check('tokens.get');
      const row = await access.db.selectFrom('tokens').select(COLUMNS).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    getByName: async (name) => {
      access.check('tokens.getByName');
      return byName(access.db, name);
    },
    list: async () => {
      access.check('tokens.list');
      return (await access.db.selectFrom('tokens').select(COLUMNS).orderBy('name').execute()).map(fromRow);
    },
    countActive: async () => {
      access.check('tokens.countActive');
      const row = await access.db.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    revoke: async (name, at) => {
      access.check('tokens.revoke');
      return access.write(async (conn) => {
        await conn.updateTable('tokens').set({ revoked_at: at }).where('name', '=', name).where('revoked_at', 'is', null).execute();
        return byName(conn, name);
      });
    },
    touch: async (id, at) => {
      access.check('tokens.touch');
      await access.write((conn) =>
        conn
          .updateTable('tokens')
          .set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
          .execute(),
      );
    },
  };
}
