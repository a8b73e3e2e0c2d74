import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventType, type WebhookDelivery } from '@sluice/domain';
import { webhookBody } from './webhook-payload.js';

const delivery: WebhookDelivery = {
  id: '7-ops',
  webhook: 'ops',
  kind: 'paused',
  event: { seq: 7, at: Date.UTC(2026, 0, 1), actor: 'alice', service: 'shop', subject: { kind: 'Rollout', name: 'shop-v2' }, type: EventType.PhaseChanged, from: 'Progressing', to: 'Paused', reason: 'paused by alice', source: '10.1.2.3' } as WebhookDelivery['event'],
  state: 'pending',
  attempts: 0,
  nextAttemptAt: 0,
  createdAt: 0,
};

test('a JSON payload names who did what, never the address it came from; the Slack text neither', () => {
  const json = JSON.parse(webhookBody(delivery, 'json')) as { rollout: string; event: { actor: string; source?: string } };
  assert.equal(json.rollout, 'shop-v2');
  assert.equal(json.event.actor, 'alice');
  assert.equal('source' in json.event, false);
  assert.ok(!webhookBody(delivery, 'slack').includes('10.1.2.3'));
});
