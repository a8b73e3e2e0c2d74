import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { EventType, type NewReleaseEvent, type Webhook, type WebhookSpec } from '@sluice/domain';
import { Hono } from 'hono';
import { toErrorResponse } from '../http/error-response.js';
import type { Logger } from '../platform/logger.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { OutboundPolicy, Resolve } from './outbound-policy.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { webhookRoutes } from './webhook-routes.js';
import { createHttpSender } from './webhook-sender.js';
import { startReceiver, type WebhookReceiver } from './testing/webhook-receiver.js';

const SECRET = 'whsec-7d1f3c9a-very-secret';
const T0 = Date.UTC(2026, 0, 1, 12);
const LOCAL: OutboundPolicy = { allowHosts: ['127.0.0.1'] };
const receivers: WebhookReceiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));

/** Every log line of every test: none may hold the secret. */
const logLines: string[] = [];
const log: Logger = {
  info: (m, f) => logLines.push(`info ${m} ${JSON.stringify(f)}`),
  warn: (m, f) => logLines.push(`warn ${m} ${JSON.stringify(f)}`),
  error: (m, f) => logLines.push(`error ${m} ${JSON.stringify(f)}`),
};

function rolloutEvent(type: NewReleaseEvent['type'], extra: Partial<NewReleaseEvent> = {}): NewReleaseEvent {
  return { at: T0, actor: 'controller', service: 'shop', subject: { kind: 'Rollout', name: 'shop-v2' }, type, reason: `${type} <of> shop-v2 & more`, ...extra };
}

async function setup(spec: Partial<WebhookSpec>, options: { answers?: number[]; policy?: OutboundPolicy; resolve?: Resolve; store?: MemoryStore } = {}) {
  const receiver = await startReceiver(options.answers);
  receivers.push(receiver);
  const store = options.store ?? new MemoryStore();
  const full: WebhookSpec = { url: receiver.url, events: ['started', 'stepCompleted'], format: 'json', secretFrom: { env: 'HOOK_SECRET' }, timeoutMs: 2000, maxAttempts: 3, ...spec };
  const webhook: Webhook = { name: 'ops', spec: full, version: 0 };
  await store.webhooks.save(webhook, (await store.webhooks.get('ops'))?.version ?? 0);
  const clock = { t: T0, now() { return this.t; } };
  const dispatcher = newDispatcher(store, clock, options.policy ?? LOCAL, options.resolve);
  await dispatcher.start();
  return { receiver, store, clock, dispatcher };
}

function newDispatcher(store: MemoryStore, clock: { now(): number }, policy: OutboundPolicy, resolve?: Resolve) {
  const scheduler = { schedule: () => ({ cancel() {} }) };
  const sender = resolve === undefined ? createHttpSender(policy) : createHttpSender(policy, resolve);
  return new WebhookDispatcher({ store, sender, clock, env: { HOOK_SECRET: SECRET }, log, scheduler, random: () => 0.5 });
}

function verify(headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${String(headers['x-sluice-timestamp'])}.${body}`).digest('hex')}`;
  return headers['x-sluice-signature'] === expected;
}

describe('webhook delivery', () => {
  test('each wanted event is POSTed once, in order, signed with the secret over the timestamp and the raw body', async () => {
    const { receiver, store, dispatcher } = await setup({});
    await store.events.append([
      rolloutEvent(EventType.PhaseChanged, { from: 'Pending', to: 'Progressing' }),
      rolloutEvent(EventType.WeightChanged, { from: '0', to: '5' }),
      rolloutEvent(EventType.StepCompleted, { from: '1' }),
      rolloutEvent(EventType.PhaseChanged, { from: 'Progressing', to: 'Paused' }),
    ]);
    await dispatcher.tick();
    assert.deepEqual(receiver.received.map((r) => r.headers['x-sluice-event']), ['started', 'stepCompleted']);
    const [first] = receiver.received;
    assert.ok(first);
    assert.equal(first.headers['x-sluice-delivery'], '1-ops');
    assert.equal(first.headers['x-sluice-timestamp'], String(T0 / 1000));
    assert.ok(verify(first.headers, first.body), 'the signature verifies with the secret');
    assert.ok(!verify(first.headers, first.body.replace('shop', 'shoq')), 'a changed body does not verify');
    const body = JSON.parse(first.body);
    assert.deepEqual(
      { id: body.id, webhook: body.webhook, type: body.type, service: body.service, rollout: body.rollout, at: body.at, message: body.message, seq: body.event.seq },
      { id: '1-ops', webhook: 'ops', type: 'started', service: 'shop', rollout: 'shop-v2', at: new Date(T0).toISOString(), message: 'PhaseChanged <of> shop-v2 & more', seq: 1 },
    );
    await dispatcher.tick();
    assert.equal(receiver.received.length, 2, 'nothing is sent twice');
    assert.deepEqual(await store.webhookDeliveries.due(T0 + 3_600_000, 10), []);
  });

  test('format slack sends { text, blocks } with Slack markup escaped; the services filter drops other services', async () => {
    const { receiver, store, dispatcher } = await setup({ format: 'slack', events: ['paused'], services: ['shop'] });
    await store.events.append([
      rolloutEvent(EventType.PhaseChanged, { from: 'Progressing', to: 'Paused', service: 'cart', subject: { kind: 'Rollout', name: 'cart-v2' } }),
      rolloutEvent(EventType.PhaseChanged, { from: 'Progressing', to: 'Paused' }),
    ]);
    await dispatcher.tick();
    assert.equal(receiver.received.length, 1);
    const body = JSON.parse(receiver.received[0]?.body ?? '{}');
    assert.equal(body.text, '[shop] Rollout shop-v2 paused: PhaseChanged &lt;of&gt; shop-v2 &amp; more');
    assert.deepEqual(body.blocks[0], { type: 'section', text: { type: 'mrkdwn', text: '*Rollout shop-v2* paused\nPhaseChanged &lt;of&gt; shop-v2 &amp; more' } });
    assert.equal(body.blocks[1].type, 'context');
  });

  test('a failed attempt is retried after a growing, jittered delay with the same delivery id, until it succeeds', async () => {
    const { receiver, store, clock, dispatcher } = await setup({ maxAttempts: 3 }, { answers: [500, 503, 200] });
    await store.events.append([rolloutEvent(EventType.StepCompleted)]);
    await dispatcher.tick();
    assert.equal(receiver.received.length, 1);
    const pending = await store.webhookDeliveries.get('1-ops');
    assert.deepEqual({ state: pending?.state, attempts: pending?.attempts, next: pending?.nextAttemptAt, error: pending?.lastError }, { state: 'pending', attempts: 1, next: T0 + 750, error: '127.0.0.1 answered HTTP 500' });
    clock.t = T0 + 749;
    await dispatcher.tick();
    assert.equal(receiver.received.length, 1, 'not before its time');
    clock.t = T0 + 750;
    await dispatcher.tick();
    assert.equal((await store.webhookDeliveries.get('1-ops'))?.nextAttemptAt, T0 + 750 + 1500, 'the second delay doubles');
    clock.t = T0 + 2250;
    await dispatcher.tick();
    assert.deepEqual(receiver.received.map((r) => r.headers['x-sluice-delivery']), ['1-ops', '1-ops', '1-ops']);
    assert.equal(await store.webhookDeliveries.get('1-ops'), undefined, 'delivered: forgotten');
  });

  test('after maxAttempts a delivery is a dead letter; the API lists it without the secret and retries it', async () => {
    const { receiver, store, clock, dispatcher } = await setup({ maxAttempts: 2 }, { answers: [503] });
    await store.events.append([rolloutEvent(EventType.StepCompleted)]);
    await dispatcher.tick();
    clock.t += 60_000;
    await dispatcher.tick();
    clock.t += 60_000;
    await dispatcher.tick();
    assert.equal(receiver.received.length, 2, 'no attempt past maxAttempts');
    const api = await serveRoutes(store, dispatcher);
    try {
      const list = await api.call('/webhooks');
      assert.equal(list.status, 200);
      assert.equal(list.text.includes(SECRET), false);
      assert.deepEqual(list.body.items.map((w: { name: string; secretSet: boolean; deadLetters: number }) => [w.name, w.secretSet, w.deadLetters]), [['ops', false, 1]]);
      const dead = await api.call('/webhooks/ops/dead-letters');
      assert.deepEqual(dead.body.items.map((d: { id: string; attempts: number; lastError: string }) => [d.id, d.attempts, d.lastError]), [['1-ops', 2, '127.0.0.1 answered HTTP 503']]);
      assert.equal((await api.call('/webhooks/ops/dead-letters/9-ops/retry', 'POST')).body.error.code, 'NOT_FOUND');
      assert.equal((await api.call('/webhooks/nope/dead-letters')).status, 404);
      receiver.answers = [200];
      const retried = await api.call('/webhooks/ops/dead-letters/1-ops/retry', 'POST');
      assert.equal(retried.status, 202);
      assert.deepEqual([retried.body.state, retried.body.attempts], ['pending', 0]);
      const [audit] = await store.events.list({ types: [EventType.ResourceChanged] });
      assert.deepEqual([audit?.subject, audit?.to, audit?.data?.['delivery'], audit?.data?.['before'], audit?.data?.['after'], audit?.source], [{ kind: 'Webhook', name: 'ops' }, 'retry', '1-ops', { state: 'dead' }, { state: 'pending' }, '127.0.0.1']);
      await dispatcher.tick();
      assert.equal(receiver.received.length, 3);
      assert.deepEqual((await api.call('/webhooks/ops/dead-letters')).body.items, []);
    } finally {
      await api.close();
    }
  });

  test('a restarted dispatcher goes on from the stored cursor: no event lost, none sent twice', async () => {
    const { receiver, store, clock, dispatcher } = await setup({});
    await store.events.append([rolloutEvent(EventType.StepCompleted, { from: '1' })]);
    await dispatcher.tick();
    await dispatcher.stop();
    await store.events.append([rolloutEvent(EventType.StepCompleted, { from: '2' }), rolloutEvent(EventType.StepCompleted, { from: '3' })]);
    const restarted = newDispatcher(store, clock, LOCAL);
    await restarted.start();
    await restarted.tick();
    await restarted.tick();
    assert.deepEqual(receiver.received.map((r) => JSON.parse(r.body).event.from), ['1', '2', '3']);
    assert.equal(await store.webhookDeliveries.cursor(), 3);
  });
});

describe('outbound safety', () => {
  test('without an allow-list, a loopback address is refused: a dead letter at once, nothing sent', async () => {
    const { receiver, store, dispatcher } = await setup({}, { policy: { allowHosts: [] } });
    await store.events.append([rolloutEvent(EventType.StepCompleted)]);
    await dispatcher.tick();
    assert.equal(receiver.received.length, 0);
    const dead = await store.webhookDeliveries.deadLetters('ops', 10);
    assert.deepEqual(dead.map((d) => [d.attempts, d.lastError]), [[1, 'refused: address 127.0.0.1 is not public (loopback, private, link-local or reserved)']]);
  });

  test('a name that resolves to a private address is refused, and so is a host the allow-list leaves out', async () => {
    const resolve: Resolve = async () => [{ address: '203.0.114.9', family: 4 }, { address: '10.1.2.3', family: 4 }];
    const { store, dispatcher } = await setup({ url: 'http://hooks.example.com/x' }, { policy: { allowHosts: [] }, resolve });
    await store.events.append([rolloutEvent(EventType.StepCompleted)]);
    await dispatcher.tick();
    assert.equal((await store.webhookDeliveries.get('1-ops'))?.lastError, 'refused: hooks.example.com resolves to 10.1.2.3, which is not public');
    const listed = await setup({ url: 'http://other.example.com/x' }, { policy: { allowHosts: ['hooks.example.com'] } });
    await listed.store.events.append([rolloutEvent(EventType.StepCompleted)]);
    await listed.dispatcher.tick();
    assert.equal((await listed.store.webhookDeliveries.get('1-ops'))?.lastError, 'refused: host other.example.com is not in the webhook allow-list (--webhook-allow-host)');
  });

  test('a redirect is not followed: a dead letter at once, the redirect target never reached', async () => {
    const { receiver, store, dispatcher } = await setup({}, { answers: [302] });
    await store.events.append([rolloutEvent(EventType.StepCompleted)]);
    await dispatcher.tick();
    assert.equal(receiver.received.length, 1);
    const [dead] = await store.webhookDeliveries.deadLetters('ops', 10);
    assert.equal(dead?.lastError, 'refused: 127.0.0.1 answered a redirect (HTTP 302); redirects are not followed');
    assert.equal(dead?.attempts, 1);
  });

  test('no log line holds the secret', () => {
    assert.ok(logLines.length > 3, 'the tests above logged');
    assert.equal(logLines.filter((l) => l.includes(SECRET)).length, 0);
  });
});

async function serveRoutes(store: MemoryStore, dispatcher: WebhookDispatcher) {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, log);
    return c.json(body, status as 400);
  });
  app.route('/api/v1', webhookRoutes({ store, dispatcher, env: {} }));
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve({ server, port: info.port }));
  });
  const call = async (path: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, { method });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) };
  };
  const close = () => new Promise<void>((resolve) => { server.close(() => resolve()); (server as { closeAllConnections?: () => void }).closeAllConnections?.(); });
  return { call, close };
}
