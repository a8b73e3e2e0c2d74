import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { Hono } from 'hono';
import { toErrorResponse } from '../http/error-response.js';
import { silentLogger } from '../platform/logger.js';
import { dataPlaneSyncRoutes } from './data-plane-routes.js';
import { MemoryRouteFeed } from './memory-route-feed.js';

function app() {
  const feed = new MemoryRouteFeed();
  const clock = new ManualClock(1_000);
  const observed: ProxyObservation[] = [];
  const api = new Hono();
  api.onError((error, c) => {
    const { status, body } = toErrorResponse(error, silentLogger);
    return c.json(body, status as 400);
  });
  api.route('/api/v1', dataPlaneSyncRoutes({ feed, reports: feed, observe: (o) => observed.push(o), clock, log: silentLogger }));
  const post = (path: string, body: unknown) =>
    api.request(`/api/v1/data-plane/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { feed, clock, observed, post, api };
}

const served = { stable: 'v1', canary: 'v2', weight: 25, salt: 'shop', generation: 4, address: '127.0.0.1:8080' };

describe('POST /data-plane/reports', () => {
  test('a valid report is recorded with the receiving clock and answered 204', async () => {
    const { feed, post } = app();
    const res = await post('reports', { id: 'edge-1', generation: 4, services: { shop: served }, inFlight: { shop: { 'http://10.0.0.1:80': 3 } } });
    assert.equal(res.status, 204);
    const [stored] = await feed.list(0);
    assert.equal(stored?.id, 'edge-1');
    assert.equal(stored?.receivedAt, 1_000);
    assert.equal(stored?.services['shop']?.weight, 25);
  });

  const cases: [string, unknown, string][] = [
    ['an empty id', { id: '', generation: 1, services: {} }, '$.id'],
    ['an id of 101 characters', { id: 'x'.repeat(101), generation: 1, services: {} }, '$.id'],
    ['a control character in the id', { id: 'a\nb', generation: 1, services: {} }, '$.id'],
    ['a negative generation', { id: 'a', generation: -1, services: {} }, '$.generation'],
    ['a fractional generation', { id: 'a', generation: 1.5, services: {} }, '$.generation'],
    ['services not an object', { id: 'a', generation: 1, services: [] }, '$.services'],
    ['an unknown top-level field', { id: 'a', generation: 1, services: {}, extra: 1 }, '$.extra'],
    ['a weight over 100', { id: 'a', generation: 1, services: { shop: { ...served, weight: 150 } } }, '$.services["shop"].weight'],
    ['a split without stable', { id: 'a', generation: 1, services: { shop: { ...served, stable: '' } } }, '$.services["shop"].stable'],
    ['a service without generation', { id: 'a', generation: 1, services: { shop: { ...served, generation: undefined } } }, '$.services["shop"].generation'],
    ['an in-flight count that is not a number', { id: 'a', generation: 1, services: {}, inFlight: { shop: { 'http://x': 'many' } } }, '$.inFlight["shop"]["http://x"]'],
  ];
  for (const [what, body, path] of cases) {
    test(`${what} is 400 INVALID_REQUEST at ${path}`, async () => {
      const { feed, post } = app();
      const res = await post('reports', body);
      assert.equal(res.status, 400);
      const answer = (await res.json()) as { error: { code: string; details: { problems: { path: string }[] } } };
      assert.equal(answer.error.code, 'INVALID_REQUEST');
      assert.ok(answer.error.details.problems.some((p) => p.path === path), JSON.stringify(answer.error.details.problems));
      assert.equal((await feed.list(0)).length, 0);
    });
  }

  test('more than 10,000 services is refused; not JSON is 400 at $', async () => {
    const { post } = app();
    const services = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`s${i}`, served]));
    const many = await post('reports', { id: 'a', generation: 1, services });
    assert.equal(many.status, 400);
    assert.match(JSON.stringify(await many.json()), /at most 10000/);
    const junk = await post('reports', '{nope');
    assert.equal(junk.status, 400);
  });

  test('a body over the limit is 413', async () => {
    const { post } = app();
    const res = await post('reports', { id: 'a', generation: 1, services: {}, pad: 'x'.repeat(9 * 1024 * 1024) });
    assert.equal(res.status, 413);
  });
});

describe('POST /data-plane/observations', () => {
  const o = { service: 'shop', version: 'v2', route: 'split', status: 200, durationMs: 4.5, key: 'user-1' };

  test('each observation goes to the sink; keys over 256 characters are dropped, the observation kept', async () => {
    const { observed, post } = app();
    const res = await post('observations', { id: 'edge-1', observations: [o, { ...o, key: 'k'.repeat(257), status: 502, cause: 'reset' }] });
    assert.equal(res.status, 204);
    assert.equal(observed.length, 2);
    assert.equal(observed[0]?.key, 'user-1');
    assert.equal(observed[1]?.key, undefined);
    assert.equal(observed[1]?.cause, 'reset');
  });

  test('a bad observation refuses the whole batch with its path; nothing is recorded', async () => {
    const { observed, post } = app();
    for (const [bad, path] of [
      [{ ...o, durationMs: 'slow' }, '$.observations[1].durationMs'],
      [{ ...o, status: 42 }, '$.observations[1].status'],
      [{ ...o, cause: 'gremlins' }, '$.observations[1].cause'],
      [{ ...o, service: '' }, '$.observations[1].service'],
      [{ ...o, surprise: true }, '$.observations[1].surprise'],
    ] as const) {
      const res = await post('observations', { id: 'edge-1', observations: [o, bad] });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: { details: { problems: { path: string }[] } } };
      assert.equal(body.error.details.problems[0]?.path, path);
    }
    assert.equal(observed.length, 0);
  });

  test('JSON cannot say Infinity, and over 10,000 per call is refused', async () => {
    const { post } = app();
    assert.equal((await post('observations', '{"id":"a","observations":[{"service":"s","version":"v","route":"r","status":200,"durationMs":1e999}]}')).status, 400);
    const res = await post('observations', { id: 'a', observations: Array.from({ length: 10_001 }, () => o) });
    assert.equal(res.status, 400);
  });
});

describe('GET /data-plane/stream', () => {
  test('a bad ?after or Last-Event-ID is 400 naming it', async () => {
    const { api } = app();
    const a = await api.request('/api/v1/data-plane/stream?after=-3');
    assert.equal(a.status, 400);
    assert.match(JSON.stringify(await a.json()), /\?after/);
    const b = await api.request('/api/v1/data-plane/stream', { headers: { 'last-event-id': 'abc' } });
    assert.equal(b.status, 400);
    assert.match(JSON.stringify(await b.json()), /Last-Event-ID/);
  });
});
