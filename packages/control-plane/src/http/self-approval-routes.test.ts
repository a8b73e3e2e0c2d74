import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, startRollout } from '@sluice/domain';
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
`;

const rollout = (approval: string) => `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - approval: ${approval}
        - setWeight: 100
`;

/** An API where alice applied the rollout, which now waits at its approval step. */
async function withWaitingRollout(approval: string, policy: { selfApproval?: boolean }, body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi({ approvalPolicy: policy });
  try {
    const applied = await api.call('/apply', { method: 'POST', body: `${SERVICE}---\n${rollout(approval)}`, actor: 'alice' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const stored = await api.store.rollouts.get('shop-v2');
    assert.ok(stored);
    await api.store.rollouts.save(startRollout(stored, api.clock.now()).rollout, stored.version);
    await body(api);
  } finally {
    await api.close();
  }
}

const post = (api: TestApi, path: string, actor: string, body = '{}') => api.call(path, { method: 'POST', body, actor });

describe('no self-approval', () => {
  test('allowAuthor: false: the author is refused with FORBIDDEN naming the rule, nothing changes; another person may approve', () =>
    withWaitingRollout('{ allowAuthor: false }', {}, async (api) => {
      const before = await api.store.rollouts.get('shop-v2');
      assert.equal(before?.createdBy, 'alice');
      const denied = await post(api, '/rollouts/shop-v2/approve', 'alice');
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'FORBIDDEN');
      assert.match(denied.body.error.message, /the rollout's author alice may not approve it: approvals need another person \(approval\.allowAuthor: false\)/);
      assert.deepEqual(await api.store.rollouts.get('shop-v2'), before);
      assert.deepEqual(await api.store.events.list({ types: [EventType.ApprovalRecorded] }), []);
      const ok = await post(api, '/rollouts/shop-v2/approve', 'bob');
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.status.stepState.approval.by, 'bob');
      assert.equal(ok.body.createdBy, 'alice');
    }));

  test('the server policy (--no-self-approval) refuses the author unless the step says allowAuthor: true', async () => {
    await withWaitingRollout('{}', { selfApproval: false }, async (api) => {
      const denied = await post(api, '/rollouts/shop-v2/approve', 'alice');
      assert.equal(denied.status, 403);
      assert.match(denied.body.error.message, /approvals need another person \(sluice server --no-self-approval/);
    });
    await withWaitingRollout('{ allowAuthor: true }', { selfApproval: false }, async (api) => {
      const ok = await post(api, '/rollouts/shop-v2/approve', 'alice');
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });
    await withWaitingRollout('{}', {}, async (api) => {
      assert.equal((await post(api, '/rollouts/shop-v2/approve', 'alice')).status, 200, 'allowed by default');
    });
  });

  test('the author may still reject (stop) the rollout', () =>
    withWaitingRollout('{ allowAuthor: false }', { selfApproval: false }, async (api) => {
      const rejected = await post(api, '/rollouts/shop-v2/reject', 'alice', JSON.stringify({ comment: 'not today' }));
      assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
      assert.equal(rejected.body.status.phase, 'Aborting');
    }));
});
