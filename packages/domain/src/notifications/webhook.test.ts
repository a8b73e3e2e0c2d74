import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventType, type ReleaseEvent } from '../events/release-event.js';
import { webhookEventOf, webhookRetryDelayMs, webhookWants, type WebhookSpec } from './webhook.js';

const ev = (type: ReleaseEvent['type'], extra: Partial<ReleaseEvent> = {}): ReleaseEvent => ({ seq: 1, at: 0, actor: 'controller', service: 'shop', subject: { kind: 'Rollout', name: 'r' }, type, reason: 'x', ...extra });

test('each webhook event maps from the release events that mean it', () => {
  assert.equal(webhookEventOf(ev(EventType.PhaseChanged, { from: 'Pending', to: 'Progressing' })), 'started');
  assert.equal(webhookEventOf(ev(EventType.PhaseChanged, { from: 'Paused', to: 'Progressing' })), undefined);
  assert.equal(webhookEventOf(ev(EventType.StepCompleted)), 'stepCompleted');
  assert.equal(webhookEventOf(ev(EventType.PhaseChanged, { from: 'Progressing', to: 'Paused' })), 'paused');
  assert.equal(webhookEventOf(ev(EventType.StepStarted, { data: { kind: 'approval' } })), 'approvalNeeded');
  assert.equal(webhookEventOf(ev(EventType.StepStarted, { data: { kind: 'migrationContract' } })), 'approvalNeeded');
  assert.equal(webhookEventOf(ev(EventType.StepStarted, { data: { kind: 'analysis' } })), undefined);
  assert.equal(webhookEventOf(ev(EventType.ChecklistItemChanged, { to: 'awaiting-person' })), 'approvalNeeded');
  assert.equal(webhookEventOf(ev(EventType.GuardBreached)), 'guardFired');
  assert.equal(webhookEventOf(ev(EventType.PhaseChanged, { from: 'Aborting', to: 'Aborted' })), 'rolledBack');
  assert.equal(webhookEventOf(ev(EventType.PhaseChanged, { from: 'Aborting', to: 'Failed' })), 'rolledBack');
  assert.equal(webhookEventOf(ev(EventType.PhaseChanged, { from: 'Promoting', to: 'Succeeded' })), 'succeeded');
  assert.equal(webhookEventOf(ev(EventType.WeightChanged)), undefined);
});

test('a webhook wants only its events of its services', () => {
  const spec: WebhookSpec = { url: 'https://h/', events: ['guardFired'], services: ['shop'], format: 'json', secretFrom: { env: 'S' }, timeoutMs: 1, maxAttempts: 1 };
  assert.equal(webhookWants(spec, ev(EventType.GuardBreached)), 'guardFired');
  assert.equal(webhookWants(spec, ev(EventType.GuardBreached, { service: 'cart' })), undefined);
  assert.equal(webhookWants(spec, ev(EventType.StepCompleted)), undefined);
  const { services: _s, ...everyService } = spec;
  assert.equal(webhookWants(everyService, ev(EventType.GuardBreached, { service: 'cart' })), 'guardFired');
});

test('retry delays double from 1 s up to 5 min, half of each jittered', () => {
  assert.deepEqual([1, 2, 3].map((n) => webhookRetryDelayMs(n, 0)), [500, 1000, 2000]);
  assert.deepEqual([1, 2, 3].map((n) => webhookRetryDelayMs(n, 0.999999)), [1000, 2000, 4000]);
  assert.equal(webhookRetryDelayMs(30, 0.5), 225_000);
});
