import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { startTestApi, type TestApi } from '../../http/testing/api-server.js';
import { parseLastEventId, streamFlags } from './flag-sse.js';

const TOKEN = 'prod-token-0123456789abcdef';
const flag = (name: string, rollout: number) =>
  `apiVersion: sluice.dev/v1\nkind: Flag\nmetadata: { name: ${name} }\nspec:\n  environments:\n    production: { enabled: true, default: { rollout: ${rollout} } }\n`;

interface SseMessage {
  readonly event?: string;
  readonly id?: string;
  readonly data?: any;
  readonly comment?: string;
}

/** Reads server-sent events from a response, one message at a time. */
function reader(res: Response) {
  const body = res.body;
  assert.ok(body);
  const chunks = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (timeoutMs = 3000): Promise<SseMessage> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: Record<string, any> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) message['comment'] = line.slice(1).trim();
          const [, field, value] = /^(event|id|data): ?(.*)$/.exec(line) ?? [];
          if (field === 'data') message['data'] = JSON.parse(value ?? '');
          else if (field) message[field] = value;
        }
        return message;
      }
      const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no SSE message in time')), Math.max(1, deadline - Date.now())));
      const { value, done } = await Promise.race([chunks.read(), timer]);
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { next, cancel: () => chunks.cancel() };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('flag SSE stream (Unleash streaming format)', () => {
  let api: TestApi;
  const open = (headers: Record<string, string> = {}) => fetch(`${api.url}/api/client/streaming`, { headers: { authorization: TOKEN, ...headers } });

  before(async () => {
    api = await startTestApi({ flagTokens: [{ environment: 'production', token: TOKEN }] });
    assert.equal((await api.call('/apply', { method: 'POST', body: flag('alpha', 10) })).status, 200);
  });
  after(() => api.close());

  test('hydration first, then one unleash-updated per change, ids = seq; unsubscribes on disconnect', async () => {
    const res = await open();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const sse = reader(res);
    const connected = await sse.next();
    const seq = await api.store.flags.latestSeq();
    assert.equal(connected.event, 'unleash-connected');
    assert.equal(connected.id, String(seq));
    const [hydration] = connected.data.events;
    assert.equal(hydration.type, 'hydration');
    assert.equal(hydration.eventId, seq);
    assert.deepEqual(hydration.features.map((f: any) => f.name), ['alpha']);
    assert.ok(Array.isArray(hydration.segments));
    await until(() => api.flags.hub.subscribers === 1);

    await api.call('/apply', { method: 'POST', body: flag('alpha', 20) });
    const updated = await sse.next();
    assert.equal(updated.event, 'unleash-updated');
    assert.equal(updated.id, String(seq + 1));
    assert.deepEqual(updated.data.events.map((e: any) => [e.type, e.feature?.name, e.eventId]), [['feature-updated', 'alpha', seq + 1]]);
    assert.equal(updated.data.events[0].feature.strategies[0].parameters.rollout, '20');

    await sse.cancel();
    await until(() => api.flags.hub.subscribers === 0);
  });

  test('Last-Event-ID resumes with only the later changes; an unknown future id gets a hydration', async () => {
    const from = await api.store.flags.latestSeq();
    await api.call('/apply', { method: 'POST', body: flag('alpha', 30) });
    await api.call('/apply', { method: 'POST', body: flag('beta', 5) });
    const resumed = reader(await open({ 'last-event-id': String(from) }));
    const first = await resumed.next();
    assert.equal(first.event, 'unleash-updated');
    assert.equal(first.id, String(from + 2));
    const features = first.data.events.filter((e: any) => e.type === 'feature-updated').map((e: any) => e.feature.name);
    assert.deepEqual(features, ['alpha', 'beta']);
    await resumed.cancel();

    const future = reader(await open({ 'last-event-id': String(from + 1000) }));
    const hydrated = await future.next();
    assert.equal(hydrated.event, 'unleash-connected');
    assert.equal(hydrated.data.events[0].type, 'hydration');
    await future.cancel();
  });

  test('a quiet stream sends ping comments', async () => {
    const app = new Hono();
    app.get('/s', (c) => streamFlags(c, { store: api.store, hub: api.flags.hub, environment: 'production', pingMs: 50 }));
    const sse = reader(await app.request('/s'));
    assert.equal((await sse.next()).event, 'unleash-connected');
    assert.equal((await sse.next(1000)).comment, 'ping');
    await sse.cancel();
  });

  test('parseLastEventId accepts only non-negative integers', () => {
    assert.equal(parseLastEventId('42'), 42);
    assert.equal(parseLastEventId(' 7 '), 7);
    for (const bad of [undefined, '', '-1', '1.5', 'abc', '9'.repeat(20)]) assert.equal(parseLastEventId(bad), undefined);
  });
});
