import type { Revision } from '@sluice/domain';
import type { Kysely } from 'kysely';
import type { RevisionStore } from '../store.js';
import { checkRevision, revisionConflict } from '../store-input.js';
import type { TransactionLease } from '../transaction-scope.js';
import { parseBody, type StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

/** append/list/get of revisions over one Kysely handle (a transaction's connection, or the pool for reads). */
export function kyselyRevisions(db: Db, lease: TransactionLease): RevisionStore {
  return {
    append: async (revision) => {
      lease.check('revisions.append');
      checkRevision(revision);
      const body = JSON.stringify(revision);
      const inserted = await db
        .insertInto('revisions')
        .values({ service: revision.service, number: revision.number, created_at: revision.createdAt, body })
        .onConflict((oc) => oc.columns(['service', 'number']).doNothing())
        .returning('number')
        .executeTakeFirst();
      if (inserted === undefined) throw revisionConflict(revision.service, revision.number);
      return JSON.parse(body) as Revision;
    },
    list: async (service) => {
      lease.check('revisions.list');
      const rows = await db.selectFrom('revisions').select('body').where('service', '=', service).orderBy('number').execute();
      return rows.map((row) => parseBody(row.body) as unknown as Revision);
    },
    get: async (service, number) => {
      lease.check('revisions.get');
      if (!Number.isSafeInteger(number)) return undefined;
      const row = await db.selectFrom('revisions').select('body').where('service', '=', service).where('number', '=', number).executeTakeFirst();
      return row === undefined ? undefined : (parseBody(row.body) as unknown as Revision);
    },
  };
}
