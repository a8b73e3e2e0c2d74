process.env['TZ'] = 'UTC';
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { MeasurementRecord, ReleaseEvent } from '@sluice/domain';
import { rolloutEvent, rolloutView, T0 } from '../testing/fixtures.js';
import { startFakeApi, type FakeApi } from '../testing/fake-api.js';
import { runCli } from '../testing/run-cli.js';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());
beforeEach(() => {
  api.state.rollouts.clear();
  api.state.decisions = [];
  api.requests.length = 0;
});

const measured = (at: number, record: MeasurementRecord): ReleaseEvent =>
  rolloutEvent({ type: 'AnalysisMeasured', at, reason: record.reason, data: record as unknown as Record<string, unknown> });

/** A decision log with each kind of row: a sequential test, a threshold check, a decision, a checklist change, an approval, a load run. */
function decisionLog(): ReleaseEvent[] {
  const base = { step: 2, provider: 'builtin', queries: { canary: 'errors' } } as const;
  return [
    measured(T0 + 60_000, {
      ...base,
      source: 'step',
      metric: 'success-rate/error-rate',
      judge: 'errorRate',
      window: { fromMs: T0 + 3_000, toMs: T0 + 60_000 },
      result: 'inconclusive',
      rule: 'sequential-error-rate',
      reason: 'not enough evidence yet',
      canary: { n: 1500, errors: 18, value: 0.012 },
      stable: { n: 6000, errors: 30, value: 0.005 },
      statistic: 2.3456,
      pValue: 0.0213,
      interval: [-0.00123, 0.0155],
      threshold: 0.01,
    }),
    measured(T0 + 70_000, {
      ...base,
      source: 'background',
      metric: 'latency/p99',
      judge: 'threshold',
      window: { fromMs: T0 + 10_000, toMs: T0 + 70_000 },
      result: 'pass',
      rule: 'threshold',
      reason: 'result 212 < 300',
      canary: { n: 900, value: 212 },
    }),
    measured(T0 + 71_000, { ...base, source: 'checklist', metric: 'flip-flag', judge: 'threshold', window: { fromMs: T0 + 70_500, toMs: T0 + 71_000 }, queries: {}, result: 'error', reason: 'connect ECONNREFUSED' }),
    rolloutEvent({ type: 'AnalysisDecided', at: T0 + 80_000, from: 'running', to: 'passed', reason: 'Analysis of step 3 passed: every metric passed', data: { source: 'step' } }),
    rolloutEvent({ type: 'ChecklistItemChanged', at: T0 + 81_000, from: 'verifying', to: 'passed', reason: 'Checklist item "flip-flag" passed', data: { step: 3, item: 'flip-flag' } }),
    rolloutEvent({ type: 'ApprovalRecorded', at: T0 + 82_000, actor: 'bob', to: 'approved', reason: 'Step 5 approved by bob: looks good', data: { by: 'bob', step: 4, comment: 'looks good' } }),
    rolloutEvent({ type: 'LoadFinished', at: T0 + 83_000, from: 'running', to: 'completed', reason: 'Load finished: 3000 requests, 2 errors', data: { sent: 3000, errors: 2 } }),
  ];
}

describe('sluice explain', () => {
  test('explain prints the decision log as a table, oldest first, the reason last', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    api.state.decisions = [...decisionLog()].reverse();
    const { code, out, err } = await runCli(['explain', 'shop-v2'], { url: api.url });
    assert.equal(code, 0);
    assert.equal(err, '');
    assert.deepEqual(out.split('\n'), [
      'TIME      STEP  SOURCE      METRIC                   WINDOW          CANARY v/n/err  STABLE v/n/err  STATISTIC  P/INTERVAL                   THRESHOLD  RESULT        RULE                   REASON',
      '00:01:00  3     step        success-rate/error-rate  since 00:00:03  0.012/1500/18   0.005/6000/30   2.35       p=0.0213 [-0.00123, 0.0155]  0.01       inconclusive  sequential-error-rate  not enough evidence yet',
      '00:01:10  3     background  latency/p99              60s             212/900         -               -          -                            -          pass          threshold              result 212 < 300',
      '00:01:11  3     checklist   flip-flag                500ms           -               -               -          -                            -          error         -                      connect ECONNREFUSED',
      '00:01:20  -     step        -                        -               -               -               -          -                            -          passed        -                      Analysis of step 3 passed: every metric passed',
      '00:01:21  4     checklist   flip-flag                -               -               -               -          -                            -          passed        -                      Checklist item "flip-flag" passed',
      '00:01:22  5     approval    -                        -               -               -               -          -                            -          approved      -                      Step 5 approved by bob: looks good',
      '00:01:23  -     load        -                        -               -               -               -          -                            -          completed     -                      Load finished: 3000 requests, 2 errors',
      '',
    ]);
    assert.match(api.requests[0]?.url ?? '', /^\/api\/v1\/rollouts\/shop-v2\/decisions\?limit=\d+$/);
  });

  test('explain -o json prints the API JSON', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    api.state.decisions = decisionLog();
    const { code, out } = await runCli(['explain', 'shop-v2', '-o', 'json'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), { decisions: api.state.decisions });
  });

  test('explain reads a long decision log page by page', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    api.state.decisions = Array.from({ length: 10_001 }, (_, i) => rolloutEvent({ type: 'ChecklistItemChanged', at: T0 + i, to: 'passed', reason: `change ${i}` }));
    const { code, out } = await runCli(['explain', 'shop-v2', '-o', 'json'], { url: api.url });
    assert.equal(code, 0);
    assert.equal((JSON.parse(out) as { decisions: unknown[] }).decisions.length, 10_001);
    assert.equal(api.requests.length, 2);
    assert.match(api.requests[1]?.url ?? '', new RegExp(`after=${api.state.decisions[9_999]?.seq}`));
  });

  test('explain with no decisions says so on stderr; of an unknown rollout exits 1', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const none = await runCli(['explain', 'shop-v2'], { url: api.url });
    assert.equal(none.code, 0);
    assert.equal(none.out, '');
    assert.equal(none.err, 'No decisions recorded for rollout shop-v2 yet.\n');
    const unknown = await runCli(['explain', 'nope'], { url: api.url });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err, 'error: rollout "nope" not found\n');
  });
});

describe('sluice approve and reject', () => {
  test('approve sends the comment and item as the actor and prints the result', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView({ phase: 'Progressing' })]);
    const { code, out } = await runCli(['approve', 'shop-v2', '--comment', 'flag is on', '--item', 'flip-flag'], { url: api.url, env: { SLUICE_ACTOR: 'bob' } });
    assert.equal(code, 0);
    assert.equal(api.requests[0]?.method, 'POST');
    assert.equal(api.requests[0]?.url, '/api/v1/rollouts/shop-v2/approve');
    assert.equal(api.requests[0]?.headers['x-sluice-actor'], 'bob');
    assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), { comment: 'flag is on', item: 'flip-flag' });
    assert.equal(out, 'rollout/shop-v2 approve accepted: Progressing (Checklist item "flip-flag" confirmed: flag is on)\n');
  });

  test('approve without options sends an empty body', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView({ phase: 'Progressing' })]);
    const { code, out } = await runCli(['approve', 'shop-v2'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), {});
    assert.equal(out, 'rollout/shop-v2 approve accepted: Progressing (Approved)\n');
  });

  test('reject sends the comment and prints the new phase', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const { code, out } = await runCli(['reject', 'shop-v2', '--comment', 'error budget is gone'], { url: api.url });
    assert.equal(code, 0);
    assert.equal(api.requests[0]?.url, '/api/v1/rollouts/shop-v2/reject');
    assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), { comment: 'error budget is gone' });
    assert.equal(out, 'rollout/shop-v2 reject accepted: Aborting (Rejected: error budget is gone)\n');
  });

  test('approve and reject of a finished or unknown rollout exit 1 with the server message', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView({ phase: 'Aborted', pauseUntil: undefined })]);
    for (const verb of ['approve', 'reject']) {
      const done = await runCli([verb, 'shop-v2'], { url: api.url });
      assert.equal(done.code, 1);
      assert.equal(done.err, `error: Cannot ${verb} a rollout that is Aborted\n`);
      const unknown = await runCli([verb, 'nope'], { url: api.url });
      assert.equal(unknown.code, 1);
      assert.equal(unknown.err, 'error: rollout "nope" not found\n');
    }
  });
});
