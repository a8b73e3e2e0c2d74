import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout, setRolloutRule, startRollout, type Segment } from '@sluice/domain';
import { Hono } from 'hono';
import { silentLogger } from '../platform/logger.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { makeService } from '../store/testing/store-fixtures.js';
import { toErrorResponse } from './error-response.js';
import { openApiDocument } from './openapi.js';
import { segmentRoutes } from './segment-routes.js';

const T0 = Date.UTC(2026, 0, 1);
const segment = (name: string): Segment => ({ name, version: 0, spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }] } });

/** Mounted the way createApi mounts it: under /api/v1, errors through toErrorResponse. */
async function setup() {
  const store = new MemoryStore();
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, silentLogger);
    return c.json(body, status as 400);
  });
  app.route('/api/v1', segmentRoutes(store));
  const get = async (path: string) => {
    const res = await app.request(`/api/v1${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return { store, get };
}

describe('segment routes', () => {
  test('GET /segments lists segments by name with what uses them', async () => {
    const { store, get } = await setup();
    assert.deepEqual((await get('/segments')).body, { items: [] });
    await store.segments.save(segment('testers'), 0);
    await store.segments.save(segment('eu'), 0);
    const shop = makeService('shop');
    await store.services.save({ ...shop, spec: { ...shop.spec, routes: [{ name: 'eu', conditions: [{ kind: 'segment', segment: 'eu' }], action: { kind: 'version', version: 'v2' } }] } }, 0);
    const created = createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [] } }, 'v1', T0);
    const rule = { name: 'segment:testers', conditions: [{ kind: 'segment' as const, segment: 'testers' }], action: { kind: 'version' as const, version: 'v2' } };
    await store.rollouts.save(setRolloutRule(startRollout(created, T0).rollout, rule, T0).rollout, 0);
    const { status, body } = await get('/segments');
    assert.equal(status, 200);
    assert.deepEqual(body.items.map((s: any) => [s.name, s.version, s.usedBy]), [
      ['eu', 1, { services: ['shop'], rollouts: [] }],
      ['testers', 1, { services: [], rollouts: ['shop-v2'] }],
    ]);
    assert.deepEqual(body.items[1].spec, segment('testers').spec);
  });

  test('GET /segments/{name} answers the segment, or NOT_FOUND naming it', async () => {
    const { store, get } = await setup();
    await store.segments.save(segment('testers'), 0);
    const found = await get('/segments/testers');
    assert.equal(found.status, 200);
    assert.deepEqual(found.body, { name: 'testers', version: 1, spec: segment('testers').spec, usedBy: { services: [], rollouts: [] } });
    const missing = await get('/segments/nobody');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    assert.match(missing.body.error.message, /Segment "nobody" does not exist/);
  });

  test('the OpenAPI document describes both segment routes', () => {
    const doc = openApiDocument() as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    assert.ok(doc.paths['/segments'] && doc.paths['/segments/{name}']);
    assert.ok(doc.components.schemas['SegmentView']);
  });
});
