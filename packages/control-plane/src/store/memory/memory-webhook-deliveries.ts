import type { WebhookDelivery } from '@sluice/domain';
import { checkCursor, compareDead, compareDue, deliveryLimit } from '../webhook-deliveries-input.js';
import type { WebhookDeliveryStore } from '../store.js';

/** The memory store's delivery queue: deliveries kept as JSON text, so callers never share stored state. */
export function memoryWebhookDeliveries(check: (operation: string) => void): WebhookDeliveryStore {
  const rows = new Map<string, string>();
  let cursor = 0;
  const all = () => [...rows.values()].map((json) => JSON.parse(json) as WebhookDelivery);
  return {
    cursor: async () => {
      check('webhookDeliveries.cursor');
      return cursor;
    },
    enqueue: async (deliveries, to) => {
      check('webhookDeliveries.enqueue');
      checkCursor(to);
      for (const d of deliveries) if (!rows.has(d.id)) rows.set(d.id, JSON.stringify(d));
      cursor = Math.max(cursor, to);
    },
    due: async (now, limit) => {
      check('webhookDeliveries.due');
      const max = deliveryLimit(limit);
      return all().filter((d) => d.state === 'pending' && d.nextAttemptAt <= now).sort(compareDue).slice(0, max);
    },
    get: async (id) => {
      check('webhookDeliveries.get');
      const json = rows.get(id);
      return json === undefined ? undefined : (JSON.parse(json) as WebhookDelivery);
    },
    update: async (delivery) => {
      check('webhookDeliveries.update');
      if (rows.has(delivery.id)) rows.set(delivery.id, JSON.stringify(delivery));
    },
    remove: async (id) => {
      check('webhookDeliveries.remove');
      rows.delete(id);
    },
    deadLetters: async (webhook, limit) => {
      check('webhookDeliveries.deadLetters');
      const max = deliveryLimit(limit);
      return all().filter((d) => d.state === 'dead' && d.webhook === webhook).sort(compareDead).slice(0, max);
    },
  };
}
