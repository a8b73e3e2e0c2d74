import { ErrorCode, SluiceError, type WebhookDelivery } from '@sluice/domain';
import { MAX_WEBHOOK_DELIVERIES_PER_LIST, type WebhookStore } from './store.js';

/** A list limit every store accepts: an integer from 1 to MAX_WEBHOOK_DELIVERIES_PER_LIST (a caller bug otherwise). */
export function deliveryLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_WEBHOOK_DELIVERIES_PER_LIST) {
    throw new SluiceError(ErrorCode.INTERNAL, `Webhook delivery list limit must be an integer from 1 to ${MAX_WEBHOOK_DELIVERIES_PER_LIST}, got ${String(limit)}`);
  }
  return limit;
}

/** A cursor every store accepts: a non-negative integer. */
export function checkCursor(cursor: number): void {
  if (!Number.isSafeInteger(cursor) || cursor < 0) {
    throw new SluiceError(ErrorCode.INTERNAL, `Webhook cursor must be a non-negative integer, got ${String(cursor)}`);
  }
}

/** Pending first by due time, then id; dead letters by event seq, then id. */
export function compareDue(a: WebhookDelivery, b: WebhookDelivery): number {
  return a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function compareDead(a: WebhookDelivery, b: WebhookDelivery): number {
  return a.event.seq - b.event.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The WebhookStore a Store exposes outside transactions: reads through `read`, each save in its own transaction through `write`. */
export function delegateWebhooks(
  read: <T>(operation: string, run: (webhooks: WebhookStore) => Promise<T>) => Promise<T>,
  write: <T>(run: (webhooks: WebhookStore) => Promise<T>) => Promise<T>,
): WebhookStore {
  return {
    get: (name) => read('webhooks.get', (w) => w.get(name)),
    list: () => read('webhooks.list', (w) => w.list()),
    save: (webhook, expected) => write((w) => w.save(webhook, expected)),
  };
}
