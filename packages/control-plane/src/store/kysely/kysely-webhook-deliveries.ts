import type { WebhookDelivery } from '@sluice/domain';
import { checkCursor, deliveryLimit } from '../webhook-deliveries-input.js';
import type { WebhookDeliveryStore } from '../store.js';
import type { MetricSampleAccess } from './kysely-metric-samples.js';
import { parseBody } from './store-database.js';

const CURSOR = 'events';
/** Rows per INSERT: 6 parameters each. */
const INSERT_CHUNK = 500;

/**
 * webhook_deliveries and webhook_cursor over SQLite or Postgres. An enqueue is one transaction: the
 * new deliveries (an id already stored is kept) and the cursor move together, so a crash between
 * them can neither lose an event nor turn it into deliveries twice.
 */
export function kyselyWebhookDeliveries(access: MetricSampleAccess): WebhookDeliveryStore {
  return {
    cursor: async () => {
      access.check('webhookDeliveries.cursor');
      const row = await access.db.selectFrom('webhook_cursor').select('seq').where('name', '=', CURSOR).executeTakeFirst();
      return row === undefined ? 0 : Number(row.seq);
    },
    enqueue: async (deliveries, cursor) => {
      access.check('webhookDeliveries.enqueue');
      checkCursor(cursor);
      await access.write((conn) => enqueue(conn, deliveries, cursor));
    },
    due: async (now, limit) => {
      access.check('webhookDeliveries.due');
      const rows = await access.db
        .selectFrom('webhook_deliveries')
        .select('body')
        .where('state', '=', 'pending')
        .where('next_at', '<=', now)
        .orderBy('next_at')
        .orderBy('id')
        .limit(deliveryLimit(limit))
        .execute();
      return rows.map(fromRow);
    },
    get: async (id) => {
      access.check('webhookDeliveries.get');
      const row = await access.db.selectFrom('webhook_deliveries').select('body').where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    update: async (delivery) => {
      access.check('webhookDeliveries.update');
      const { id, webhook: _w, seq: _s, ...columns } = toRow(delivery);
      await access.write((conn) => conn.updateTable('webhook_deliveries').set(columns).where('id', '=', id).execute());
    },
    remove: async (id) => {
      access.check('webhookDeliveries.remove');
      await access.write((conn) => conn.deleteFrom('webhook_deliveries').where('id', '=', id).execute());
    },
    deadLetters: async (webhook, limit) => {
      access.check('webhookDeliveries.deadLetters');
      const rows = await access.db
        .selectFrom('webhook_deliveries')
        .select('body')
        .where('webhook', '=', webhook)
        .where('state', '=', 'dead')
        .orderBy('seq')
        .orderBy('id')
        .limit(deliveryLimit(limit))
        .execute();
      return rows.map(fromRow);
    },
  };
}

async function enqueue(conn: MetricSampleAccess['db'], deliveries: readonly WebhookDelivery[], cursor: number): Promise<void> {
  for (let start = 0; start < deliveries.length; start += INSERT_CHUNK) {
    const rows = deliveries.slice(start, start + INSERT_CHUNK).map(toRow);
    await conn.insertInto('webhook_deliveries').values(rows).onConflict((oc) => oc.column('id').doNothing()).execute();
  }
  const current = await conn.selectFrom('webhook_cursor').select('seq').where('name', '=', CURSOR).executeTakeFirst();
  if (current === undefined) await conn.insertInto('webhook_cursor').values({ name: CURSOR, seq: cursor }).execute();
  else if (Number(current.seq) < cursor) await conn.updateTable('webhook_cursor').set({ seq: cursor }).where('name', '=', CURSOR).execute();
}

function toRow(delivery: WebhookDelivery) {
  return { id: delivery.id, webhook: delivery.webhook, state: delivery.state, next_at: delivery.nextAttemptAt, seq: delivery.event.seq, body: JSON.stringify(delivery) };
}

function fromRow(row: { body: unknown }): WebhookDelivery {
  return parseBody(row.body) as unknown as WebhookDelivery;
}
