import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, revisionOf } from '@sluice/domain';
import { T0 } from '../orchestrator/testing/fixtures.js';
import { startTestApi, type TestApi } from './testing/api-server.js';

const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9001"] }
    v2: { upstreams: ["http://127.0.0.1:9002"] }
  stable: v1
  rollbackWindow: 24h
`;

/** A fresh API where shop was created (revision 1, v1) and, a minute later, a rollout promoted v2 (revision 2). */
async function withPromotedShop(body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    const applied = await api.call('/apply', { method: 'POST', body: SERVICE, actor: 'alice' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    api.clock.advance(60_000);
    await api.store.transaction(async (tx) => {
      const shop = await tx.services.get('shop');
      assert.ok(shop);
      const next = { ...shop, status: { stable: 'v2', revision: 2 } };
      await tx.services.save(next, shop.version);
      await tx.revisions.append(revisionOf(next, { at: api.clock.now(), actor: 'controller', outcome: 'promoted', rollout: 'shop-v2' }));
    });
    await body(api);
  } finally {
    await api.close();
  }
}

const post = (api: TestApi, path: string, body: unknown, actor = 'bob') =>
  api.call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), actor });

function problem(body: any): { code: string; path: string; expected: string } {
  const first = body.error.details.problems?.[0] ?? {};
  return { code: body.error.code, path: first.path, expected: first.expected };
}

describe('revisions and undo over HTTP', () => {
  test('GET revisions lists every revision, lowest first, with current, supersededAt and whether undo may return to it', () =>
    withPromotedShop(async (api) => {
      const { status, body } = await api.call('/services/shop/revisions');
      assert.equal(status, 200);
      const brief = body.items.map((r: any) => [r.number, r.stable, r.outcome, r.actor, r.rollout ?? '-', r.current, r.supersededAt ?? '-', r.undoable, r.reason ?? '-']);
      assert.deepEqual(brief, [
        [1, 'v1', 'created', 'alice', '-', false, T0 + 60_000, true, '-'],
        [2, 'v2', 'promoted', 'controller', 'shop-v2', true, '-', false, 'it is the current revision'],
      ]);
      assert.equal(body.items[0].service, 'shop');
      assert.equal(body.items[0].createdAt, T0);
      assert.equal(body.items[0].spec.rollbackWindowMs, 24 * 3_600_000);
    }));

  test('POST undo answers the service view with the earlier version stable and records who asked', () =>
    withPromotedShop(async (api) => {
      const { status, body } = await post(api, '/services/shop/undo', {});
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.name, 'shop');
      assert.deepEqual(body.status, { stable: 'v1', revision: 3 });
      const [event] = await api.store.events.list({ types: [EventType.StableChanged] });
      assert.deepEqual([event?.actor, event?.from, event?.to, event?.reason], ['bob', 'v2', 'v1', 'undo to revision 1 by bob']);
      const revisions = (await api.call('/services/shop/revisions')).body.items;
      assert.deepEqual(revisions.map((r: any) => [r.number, r.outcome, r.undoneTo ?? '-', r.current]), [
        [1, 'created', '-', false], [2, 'promoted', '-', false], [3, 'undone-to', 1, true],
      ]);
      const redo = await post(api, '/services/shop/undo', { toRevision: 2 });
      assert.equal(redo.status, 200, JSON.stringify(redo.body));
      assert.deepEqual(redo.body.status, { stable: 'v2', revision: 4 });
    }));

  test('an empty body undoes to the previous revision; bad bodies are 400 INVALID_REQUEST naming the field', () =>
    withPromotedShop(async (api) => {
      for (const bad of [{ toRevision: 0 }, { toRevision: 1.5 }, { toRevision: '1' }, { toRevision: null }]) {
        const { status, body } = await post(api, '/services/shop/undo', bad);
        assert.equal(status, 400, JSON.stringify(bad));
        assert.deepEqual(problem(body), { code: 'INVALID_REQUEST', path: '$.toRevision', expected: `an integer from 1 to ${Number.MAX_SAFE_INTEGER}` });
      }
      const unknown = await post(api, '/services/shop/undo', { to: 1 });
      assert.deepEqual(problem(unknown.body), { code: 'INVALID_REQUEST', path: '$.to', expected: 'one of: toRevision' });
      const notJson = await post(api, '/services/shop/undo', '{toRevision');
      assert.equal(notJson.status, 400);
      const missing = await post(api, '/services/shop/undo', { toRevision: 7 });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.code, 'INVALID_REQUEST');
      assert.match(missing.body.error.message, /Service "shop" has no revision 7: expected one of 1, 2/);
      const empty = await post(api, '/services/shop/undo', '');
      assert.equal(empty.status, 200, JSON.stringify(empty.body));
      assert.equal(empty.body.status.stable, 'v1');
    }));

  test('the current revision is 409 CONFLICT; an unknown service is 404 SERVICE_NOT_FOUND on both routes', () =>
    withPromotedShop(async (api) => {
      const current = await post(api, '/services/shop/undo', { toRevision: 2 });
      assert.equal(current.status, 409);
      assert.equal(current.body.error.code, 'CONFLICT');
      assert.match(current.body.error.message, /Cannot undo service "shop" to revision 2: it is the current revision/);
      for (const answer of [await post(api, '/services/nope/undo', {}), await api.call('/services/nope/revisions')]) {
        assert.equal(answer.status, 404);
        assert.equal(answer.body.error.code, 'SERVICE_NOT_FOUND');
      }
    }));

  test('the OpenAPI document describes both routes', () =>
    withPromotedShop(async (api) => {
      const { body } = await api.call('/openapi.json');
      assert.ok(body.paths['/services/{name}/revisions'].get);
      assert.deepEqual(body.paths['/services/{name}/undo'].post.requestBody.content['application/json'].schema.properties, { toRevision: { type: 'integer', minimum: 1 } });
      assert.ok(body.components.schemas.RevisionView);
    }));
});
