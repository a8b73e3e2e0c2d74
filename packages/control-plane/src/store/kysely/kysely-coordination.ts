import type { PublishedRoute, StoredDataPlaneReport } from '@sluice/domain';
import type { Kysely } from 'kysely';
import { checkLeaseArgs, fencedError, publishedLimit, type DataPlaneReportStore, type Lease, type LeaseCheck, type LeaseStore, type PublishedRouteStore } from '../coordination.js';
import type { TransactionLease } from '../transaction-scope.js';
import type { MetricSampleAccess } from './kysely-metric-samples.js';
import { parseBody, type StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

async function readLease(db: Db, name: string): Promise<Lease | undefined> {
  const row = await db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : { name: row.name, holder: row.holder, token: Number(row.token), expiresAt: Number(row.expires_at) };
}

async function checkToken(db: Db, name: string, token: number): Promise<void> {
  const current = await readLease(db, name);
  if (current?.token !== token) throw fencedError(name, token, current);
}

export function kyselyLeaseCheck(db: Db, lease: TransactionLease): LeaseCheck {
  return {
    check: async (name, token) => {
      lease.check('leases.check');
      await checkToken(db, name, token);
    },
  };
}

/**
 * Leases over SQLite or Postgres. An acquire is one transaction that reads the row and writes it
 * only when it is free, expired or the caller's; on Postgres the row is locked (FOR UPDATE, or the
 * insert's conflict) so two replicas racing for an expired lease cannot both win.
 */
export function kyselyLeaseStore(access: MetricSampleAccess, forUpdate: boolean): LeaseStore {
  return {
    check: (name, token) => {
      access.check('leases.check');
      return access.write((conn) => checkToken(conn, name, token));
    },
    acquire: async (name, holder, now, ttlMs) => {
      access.check('leases.acquire');
      checkLeaseArgs(name, holder, ttlMs);
      return access.write(async (conn) => {
        let select = conn.selectFrom('leases').selectAll().where('name', '=', name);
        if (forUpdate) select = select.forUpdate();
        const row = await select.executeTakeFirst();
        if (row === undefined) {
          const inserted = await conn.insertInto('leases').values({ name, holder, token: 1, expires_at: now + ttlMs }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
          // Another replica inserted first: it holds the lease.
          return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1 ? { name, holder, token: 1, expiresAt: now + ttlMs } : undefined;
        }
        const expiresAt = Number(row.expires_at);
        if (row.holder !== holder && expiresAt > now) return undefined;
        const token = row.holder === holder && expiresAt > now ? Number(row.token) : Number(row.token) + 1;
        await conn.updateTable('leases').set({ holder, token, expires_at: now + ttlMs }).where('name', '=', name).execute();
        return { name, holder, token, expiresAt: now + ttlMs };
      });
    },
    release: (name, holder) => {
      access.check('leases.release');
      return access.write(async (conn) => {
        await conn.updateTable('leases').set({ expires_at: 0 }).where('name', '=', name).where('holder', '=', holder).execute();
      });
    },
    get: (name) => {
      access.check('leases.get');
      return readLease(access.db, name);
    },
  };
}

function toEntry(row: { body: unknown }): PublishedRoute {
  return parseBody(row.body) as unknown as PublishedRoute;
}

/**
 * Published routes inside a transaction. A write takes the next generation as max + 1 after
 * `lockAppends` (Postgres: the lock that orders event seqs by commit), so generations appear in
 * commit order and a data plane resuming after N never misses an entry that commits later below N.
 */
export function kyselyPublishedRoutes(db: Db, lease: TransactionLease, lockAppends: () => Promise<void>): PublishedRouteStore {
  const nextGeneration = async () => {
    await lockAppends();
    const row = await db.selectFrom('published_routes').select((eb) => eb.fn.max('generation').as('g')).executeTakeFirst();
    return Number(row?.g ?? 0) + 1;
  };
  const write = async (entry: PublishedRoute) => {
    const body = JSON.stringify(entry);
    const removed = entry.removed === true ? 1 : 0;
    await db
      .insertInto('published_routes')
      .values({ service: entry.service, generation: entry.generation, removed, body })
      .onConflict((oc) => oc.column('service').doUpdateSet({ generation: entry.generation, removed, body }))
      .execute();
    return JSON.parse(body) as PublishedRoute;
  };
  return {
    put: async (route, split) => {
      lease.check('routes.put');
      return write({ service: route.service, generation: await nextGeneration(), route, split });
    },
    remove: async (service) => {
      lease.check('routes.remove');
      const live = await db.selectFrom('published_routes').select('service').where('service', '=', service).where('removed', '=', 0).executeTakeFirst();
      if (live === undefined) return undefined;
      return write({ service, generation: await nextGeneration(), removed: true });
    },
    get: async (service) => {
      lease.check('routes.get');
      const row = await db.selectFrom('published_routes').select('body').where('service', '=', service).where('removed', '=', 0).executeTakeFirst();
      return row === undefined ? undefined : toEntry(row);
    },
    live: async () => {
      lease.check('routes.live');
      const rows = await db.selectFrom('published_routes').select('body').where('removed', '=', 0).orderBy('service').execute();
      const top = await db.selectFrom('published_routes').select((eb) => eb.fn.max('generation').as('g')).executeTakeFirst();
      return { generation: Number(top?.g ?? 0), routes: rows.map(toEntry) };
    },
    changesSince: async (after, limit) => {
      lease.check('routes.changesSince');
      const rows = await db.selectFrom('published_routes').select('body').where('generation', '>', after).orderBy('generation').limit(publishedLimit(limit)).execute();
      return rows.map(toEntry);
    },
  };
}

export function kyselyDataPlaneReports(access: MetricSampleAccess): DataPlaneReportStore {
  return {
    record: async (report, receivedAt) => {
      access.check('dataPlaneReports.record');
      const body = JSON.stringify({ ...report, receivedAt });
      await access.write((conn) =>
        conn
          .insertInto('data_plane_reports')
          .values({ id: report.id, received_at: receivedAt, body })
          .onConflict((oc) => oc.column('id').doUpdateSet({ received_at: receivedAt, body }))
          .execute(),
      );
    },
    list: async (since) => {
      access.check('dataPlaneReports.list');
      const rows = await access.db.selectFrom('data_plane_reports').select('body').where('received_at', '>=', since).orderBy('id').execute();
      return rows.map((row) => parseBody(row.body) as unknown as StoredDataPlaneReport);
    },
  };
}
