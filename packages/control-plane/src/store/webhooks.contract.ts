import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, VersionConflictError, type Webhook, type WebhookDelivery } from '@sluice/domain';
import { withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

export function makeWebhook(name: string, url = 'https://hooks.example.com/sluice'): Webhook {
  return { name, version: 0, spec: { url, events: ['started', 'succeeded'], services: ['shop'], format: 'json', secretFrom: { env: 'HOOK_SECRET' }, timeoutMs: 5000, maxAttempts: 3 } };
}

export function makeDelivery(seq: number, webhook: string, extra: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const event = { seq, at: T0 + seq, actor: 'controller', service: 'shop', subject: { kind: 'Rollout' as const, name: 'shop-v2' }, type: EventType.StepCompleted, reason: `Step ${seq} “done” ✓` };
  return { id: `${seq}-${webhook}`, webhook, kind: 'stepCompleted', event, state: 'pending', attempts: 0, nextAttemptAt: T0 + seq, createdAt: T0, ...extra };
}

export function registerWebhookTests(open: OpenTestStore): void {
  describe('webhooks', () => {
    test('save, get and list by name; a stale save conflicts; writes roll back with their transaction', () =>
      withStore(open, async (store) => {
        assert.equal(await store.webhooks.get('ops'), undefined);
        const saved = await store.webhooks.save(makeWebhook('ops'), 0);
        assert.deepEqual(saved, { ...makeWebhook('ops'), version: 1 });
        await store.webhooks.save(makeWebhook('audit'), 0);
        assert.deepEqual((await store.webhooks.list()).map((w) => w.name), ['audit', 'ops']);
        await assert.rejects(store.webhooks.save(makeWebhook('ops'), 0), (e) => e instanceof VersionConflictError);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.webhooks.save(makeWebhook('slack'), 0);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await store.webhooks.get('slack'), undefined);
      }));
  });

  describe('webhook deliveries', () => {
    test('the cursor starts at 0, moves with an enqueue and never back; an id enqueued twice is kept as first stored', () =>
      withStore(open, async (store) => {
        assert.equal(await store.webhookDeliveries.cursor(), 0);
        await store.webhookDeliveries.enqueue([makeDelivery(3, 'ops'), makeDelivery(4, 'ops')], 4);
        assert.equal(await store.webhookDeliveries.cursor(), 4);
        await store.webhookDeliveries.enqueue([makeDelivery(3, 'ops', { attempts: 9 })], 2);
        assert.equal(await store.webhookDeliveries.cursor(), 4);
        assert.deepEqual(await store.webhookDeliveries.get('3-ops'), makeDelivery(3, 'ops'));
        await store.webhookDeliveries.enqueue([], 7);
        assert.equal(await store.webhookDeliveries.cursor(), 7);
      }));

    test('due lists pending deliveries whose time has come, by time then id, within the limit', () =>
      withStore(open, async (store) => {
        const later = makeDelivery(1, 'ops', { nextAttemptAt: T0 + 100 });
        const dead = makeDelivery(2, 'ops', { state: 'dead', nextAttemptAt: T0 });
        await store.webhookDeliveries.enqueue([later, dead, makeDelivery(5, 'b'), makeDelivery(5, 'a')], 5);
        assert.deepEqual((await store.webhookDeliveries.due(T0 + 5, 10)).map((d) => d.id), ['5-a', '5-b']);
        assert.deepEqual((await store.webhookDeliveries.due(T0 + 100, 10)).map((d) => d.id), ['5-a', '5-b', '1-ops']);
        assert.deepEqual((await store.webhookDeliveries.due(T0 + 100, 1)).map((d) => d.id), ['5-a']);
      }));

    test('update replaces a delivery, remove forgets it, dead letters list one webhook by event seq', () =>
      withStore(open, async (store) => {
        await store.webhookDeliveries.enqueue([makeDelivery(8, 'ops'), makeDelivery(6, 'ops'), makeDelivery(7, 'other')], 8);
        for (const d of [makeDelivery(8, 'ops'), makeDelivery(6, 'ops'), makeDelivery(7, 'other')]) {
          await store.webhookDeliveries.update({ ...d, state: 'dead', attempts: 3, lastError: 'HTTP 500', lastAttemptAt: T0 + 50 });
        }
        const dead = await store.webhookDeliveries.deadLetters('ops', 10);
        assert.deepEqual(dead.map((d) => d.id), ['6-ops', '8-ops']);
        assert.deepEqual(dead[0], { ...makeDelivery(6, 'ops'), state: 'dead', attempts: 3, lastError: 'HTTP 500', lastAttemptAt: T0 + 50 });
        assert.deepEqual(await store.webhookDeliveries.due(T0 + 1000, 10), []);
        await store.webhookDeliveries.remove('6-ops');
        assert.equal(await store.webhookDeliveries.get('6-ops'), undefined);
        await store.webhookDeliveries.update(makeDelivery(6, 'ops'));
        assert.equal(await store.webhookDeliveries.get('6-ops'), undefined);
        assert.deepEqual((await store.webhookDeliveries.deadLetters('ops', 10)).map((d) => d.id), ['8-ops']);
      }));
  });
}
