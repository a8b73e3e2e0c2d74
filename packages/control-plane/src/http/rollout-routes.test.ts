import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, Phase, startRollout, type NewReleaseEvent, type Step } from '@sluice/domain';
import { shopRollout, shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { startTestApi, type TestApi } from './testing/api-server.js';

const STEPS: readonly Step[] = [
  { kind: 'setWeight', weight: 10 },
  { kind: 'approval', approvers: ['alice', 'bob'] },
  { kind: 'setWeight', weight: 100 },
];

/** Runs `body` against a fresh API holding the shop rollout, Progressing at `stepIndex`. */
async function withApi(stepIndex: number, body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    await api.store.services.save(shopService(), 0);
    const started = startRollout(shopRollout(STEPS), T0).rollout;
    await api.store.rollouts.save({ ...started, status: { ...started.status, phase: Phase.Progressing, stepIndex } }, 0);
    await body(api);
  } finally {
    await api.close();
  }
}

const post = (api: TestApi, path: string, body: unknown, actor = 'alice') =>
  api.call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), actor });

const event = (type: EventType, at: number, rollout = 'shop-v2'): NewReleaseEvent => ({
  at,
  actor: 'controller',
  service: 'shop',
  subject: { kind: 'Rollout', name: rollout },
  type,
  reason: `${type} at ${at - T0}`,
  ...(type === EventType.AnalysisMeasured ? { data: { source: 'step', step: 1, metric: 'rate/errors', result: 'pass' } } : {}),
});

/** The first problem of an error answer: its code, JSON path and expectation. */
function problem(body: any): { code: string; path: string; expected: string } {
  const first = body.error.details.problems?.[0] ?? {};
  return { code: body.error.code, path: first.path, expected: first.expected };
}

describe('approve and reject over HTTP', () => {
  test('approve answers the rollout view with the approval recorded for the x-sluice-actor', () =>
    withApi(1, async (api) => {
      const { status, body } = await post(api, '/rollouts/shop-v2/approve', { comment: 'dashboards look fine' });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.name, 'shop-v2');
      assert.deepEqual(body.status.stepState.approval, { by: 'alice', at: T0, comment: 'dashboards look fine' });
      assert.equal(body.steps[1].state, 'current');
      const recorded = await api.store.events.list({ types: [EventType.ApprovalRecorded] });
      assert.deepEqual(recorded.map((e) => [e.actor, e.to]), [['alice', 'approved']]);
    }));

  test('approve with an empty body works; by someone who is not an approver it is 403 FORBIDDEN', () =>
    withApi(1, async (api) => {
      const denied = await post(api, '/rollouts/shop-v2/approve', '', 'mallory');
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'FORBIDDEN');
      assert.match(denied.body.error.message, /"mallory" may not approve step 2 of rollout "shop-v2": its approvers are alice, bob/);
      const ok = await post(api, '/rollouts/shop-v2/approve', '', 'bob');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.status.stepState.approval.by, 'bob');
    }));

  test('approve when nothing waits for a person is 409 INVALID_TRANSITION; an unknown rollout 404', () =>
    withApi(0, async (api) => {
      const early = await post(api, '/rollouts/shop-v2/approve', {});
      assert.equal(early.status, 409);
      assert.equal(early.body.error.code, 'INVALID_TRANSITION');
      const missing = await post(api, '/rollouts/nosuch/approve', {});
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'ROLLOUT_NOT_FOUND');
    }));

  test('bad approve and reject bodies are 400 INVALID_REQUEST naming the JSON path and what is expected', () =>
    withApi(1, async (api) => {
      const cases: [string, unknown, { path: string; expected: RegExp }][] = [
        ['approve', { comment: 5 }, { path: '$.comment', expected: /a string of at most 2000 characters/ }],
        ['approve', { comment: 'x'.repeat(2001) }, { path: '$.comment', expected: /at most 2000 characters/ }],
        ['approve', { item: '  ' }, { path: '$.item', expected: /a non-empty string/ }],
        ['approve', { item: null }, { path: '$.item', expected: /a string/ }],
        ['approve', { full: true }, { path: '$.full', expected: /one of: comment, item/ }],
        ['approve', '{"comment": ', { path: '$', expected: /a JSON object/ }],
        ['approve', '["ok"]', { path: '$', expected: /a JSON object/ }],
        ['reject', { comment: ['no'] }, { path: '$.comment', expected: /a string of at most 2000 characters/ }],
        ['reject', { reason: 'x' }, { path: '$.reason', expected: /one of: comment/ }],
      ];
      for (const [verb, body, want] of cases) {
        const answer = await post(api, `/rollouts/shop-v2/${verb}`, body);
        assert.equal(answer.status, 400, `${verb} ${JSON.stringify(body)}`);
        const p = problem(answer.body);
        assert.equal(p.code, 'INVALID_REQUEST');
        assert.equal(p.path, want.path, `${verb} ${JSON.stringify(body)}`);
        assert.match(p.expected, want.expected);
      }
      assert.equal((await post(api, '/rollouts/shop-v2/approve', { comment: 'x'.repeat(2000) })).status, 200);
      assert.equal((await api.store.events.list()).length, 1, 'only the valid approve wrote');
    }));

  test('reject aborts the rollout, records who rejected it and why, and answers the view', () =>
    withApi(1, async (api) => {
      const { status, body } = await post(api, '/rollouts/shop-v2/reject', { comment: 'error budget is gone' }, 'mallory');
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.status.phase, Phase.Aborting);
      assert.equal(body.status.message, 'Rejected by mallory: error budget is gone');
      const [recorded] = await api.store.events.list({ types: [EventType.ApprovalRecorded] });
      const { before, after, ...data } = recorded?.data ?? {};
      assert.deepEqual(data, { by: 'mallory', step: 1, comment: 'error budget is gone' });
      assert.deepEqual([before, after], [{ phase: 'Progressing', step: 2, weight: 0 }, { phase: 'Aborting', step: 2, weight: 0 }]);
      assert.equal(recorded?.source, '127.0.0.1');
      const missing = await post(api, '/rollouts/nosuch/reject', {});
      assert.equal(missing.status, 404);
    }));
});

describe('decisions and status events over HTTP', () => {
  const DECIDING = [
    EventType.StepStarted,
    EventType.AnalysisMeasured,
    EventType.AnalysisMeasured,
    EventType.AnalysisDecided,
    EventType.ChecklistItemChanged,
    EventType.PhaseChanged,
    EventType.ApprovalRecorded,
    EventType.LoadFinished,
  ];

  test('GET /rollouts/{name}/decisions answers the decision log of that rollout, oldest first, paged', () =>
    withApi(1, async (api) => {
      const appended = await api.store.events.append([
        ...DECIDING.map((type, i) => event(type, T0 + i)),
        event(EventType.AnalysisMeasured, T0 + 100, 'other'),
      ]);
      const { status, body } = await api.call('/rollouts/shop-v2/decisions');
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(body), ['decisions']);
      const decided = [1, 2, 3, 4, 6, 7].map((i) => appended[i]);
      assert.deepEqual(body.decisions, decided);
      const page = await api.call(`/rollouts/shop-v2/decisions?after=${appended[2]?.seq}&limit=2`);
      assert.deepEqual(page.body.decisions, [appended[3], appended[4]]);
      assert.deepEqual((await api.call('/rollouts/other/decisions')).body.error.code, 'ROLLOUT_NOT_FOUND');
      const bad = await api.call('/rollouts/shop-v2/decisions?limit=0');
      assert.equal(bad.status, 400);
      assert.equal(problem(bad.body).path, '?limit');
      assert.equal((await api.call('/rollouts/shop-v2/decisions?after=-1')).status, 400);
    }));

  test('the rollout view and /events, which status reads, leave out AnalysisMeasured and keep the rest', () =>
    withApi(1, async (api) => {
      const appended = await api.store.events.append(DECIDING.map((type, i) => event(type, T0 + i)));
      const kept = appended.filter((e) => e.type !== EventType.AnalysisMeasured);
      const view = await api.call('/rollouts/shop-v2');
      assert.deepEqual(view.body.events, kept);
      const events = await api.call('/rollouts/shop-v2/events');
      assert.deepEqual(events.body.items, kept);
      const after = await api.call(`/rollouts/shop-v2/events?after=${appended[3]?.seq}`);
      assert.deepEqual(after.body.items.map((e: { type: string }) => e.type), DECIDING.slice(4));
    }));

  test('the OpenAPI document describes the new routes', () =>
    withApi(0, async (api) => {
      const doc = (await api.call('/openapi.json')).body;
      for (const path of ['/rollouts/{name}/approve', '/rollouts/{name}/reject', '/rollouts/{name}/decisions', '/analysistemplates', '/analysistemplates/{name}']) {
        assert.ok(doc.paths[path], path);
      }
      assert.ok(doc.components.schemas.AnalysisTemplateView);
    }));
});
