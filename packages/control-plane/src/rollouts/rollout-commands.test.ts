import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { enterPause, ErrorCode, EventType, isSluiceError, ManualClock, Phase, startRollout, type Rollout, type Step } from '@sluice/domain';
import { DEMO_STEPS, shopRollout, shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { abortRollout, approveRollout, promoteRollout, rejectRollout } from './rollout-commands.js';

/** A store where `beforeCommit` runs once, right after the command's first read: the controller winning a race. */
function racingStore(inner: MemoryStore, beforeCommit: () => Promise<void>): Store {
  let raced = false;
  const rollouts = {
    ...inner.rollouts,
    get: async (name: string) => {
      const r = await inner.rollouts.get(name);
      if (!raced) {
        raced = true;
        await beforeCommit();
      }
      return r;
    },
    list: inner.rollouts.list.bind(inner.rollouts),
    save: inner.rollouts.save.bind(inner.rollouts),
  };
  return { kind: 'racing', services: inner.services, segments: inner.segments, analysisTemplates: inner.analysisTemplates, revisions: inner.revisions, events: inner.events, experiments: inner.experiments, targets: inner.targets, flags: inner.flags, metricSamples: inner.metricSamples, webhooks: inner.webhooks, webhookDeliveries: inner.webhookDeliveries, tokens: inner.tokens, leases: inner.leases, routes: inner.routes, dataPlaneReports: inner.dataPlaneReports, rollouts, transaction: inner.transaction.bind(inner), close: async () => {} };
}

async function pausedAt(store: MemoryStore, stepIndex: number, durationMs: number | undefined): Promise<Rollout> {
  const current = (await store.rollouts.get('shop-v2')) ?? (await store.rollouts.save(shopRollout(DEMO_STEPS), 0));
  const started = current.status.phase === Phase.Pending ? startRollout(current, T0).rollout : current;
  const moved = { ...started, status: { ...started.status, phase: Phase.Progressing, stepIndex } };
  return store.rollouts.save(enterPause(moved, durationMs, T0).rollout, current.version);
}

describe('rollout commands', () => {
  test('promote that loses a race to the controller does not end a later pause', async () => {
    const inner = new MemoryStore();
    await inner.services.save(shopService(), 0);
    await pausedAt(inner, 1, 30_000);
    const store = racingStore(inner, async () => void (await pausedAt(inner, 3, undefined)));
    await assert.rejects(
      promoteRollout({ store, clock: new ManualClock(T0), actor: 'alice' }, 'shop-v2', false),
      (e: unknown) => isSluiceError(e) && e.code === ErrorCode.CONFLICT && /moved from step 2 to step 4/.test(e.message),
    );
    const after = await inner.rollouts.get('shop-v2');
    assert.equal(after?.status.promoteRequested, undefined, 'the manual pause at step 4 is untouched');
  });

  test('promote retried after an unrelated write on the same step still applies', async () => {
    const inner = new MemoryStore();
    await inner.services.save(shopService(), 0);
    const paused = await pausedAt(inner, 1, 30_000);
    const store = racingStore(inner, async () => void (await inner.rollouts.save({ ...paused, status: { ...paused.status, message: 'touched' } }, paused.version)));
    const result = await promoteRollout({ store, clock: new ManualClock(T0), actor: 'alice' }, 'shop-v2', false);
    assert.equal(result.status.promoteRequested, true);
  });

  test('abort of an unknown rollout is ROLLOUT_NOT_FOUND', async () => {
    await assert.rejects(
      abortRollout({ store: new MemoryStore(), clock: new ManualClock(T0), actor: 'a' }, 'nope', undefined),
      (e: unknown) => isSluiceError(e) && e.code === ErrorCode.ROLLOUT_NOT_FOUND,
    );
  });
});

const APPROVAL_STEPS: readonly Step[] = [
  { kind: 'setWeight', weight: 10 },
  { kind: 'approval', approvers: ['alice', 'bob'] },
  { kind: 'setWeight', weight: 100 },
];

/** A store holding the shop rollout, Progressing at `stepIndex` of `steps`, with `stepState` when given. */
async function waitingAt(steps: readonly Step[], stepIndex: number, stepState?: Rollout['status']['stepState']): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.services.save(shopService(), 0);
  const started = startRollout(shopRollout(steps), T0).rollout;
  const status = { ...started.status, phase: Phase.Progressing, stepIndex, ...(stepState ? { stepState } : {}) };
  await store.rollouts.save({ ...started, status }, 0);
  return store;
}

const ctxFor = (store: Store, actor: string) => ({ store, clock: new ManualClock(T0 + 5_000), actor });
const codeIs = (code: ErrorCode, pattern?: RegExp) => (e: unknown) => isSluiceError(e) && e.code === code && (pattern === undefined || pattern.test(e.message));

describe('approve and reject', () => {
  test('approve records who approved, when and why, with an ApprovalRecorded event', async () => {
    const store = await waitingAt(APPROVAL_STEPS, 1);
    const result = await approveRollout(ctxFor(store, 'alice'), 'shop-v2', { comment: '  dashboards look fine ' });
    assert.deepEqual(result.status.stepState?.approval, { by: 'alice', at: T0 + 5_000, comment: 'dashboards look fine' });
    assert.deepEqual(await store.rollouts.get('shop-v2'), result);
    const events = await store.events.list({ types: [EventType.ApprovalRecorded] });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.actor, 'alice');
    assert.equal(events[0]?.to, 'approved');
    const before = { phase: Phase.Progressing, step: 2, weight: 0 };
    assert.deepEqual(events[0]?.data, { by: 'alice', step: 1, comment: 'dashboards look fine', before, after: { ...before, approvedBy: 'alice' } });
  });

  test('approving again changes nothing and records nothing', async () => {
    const store = await waitingAt(APPROVAL_STEPS, 1);
    const first = await approveRollout(ctxFor(store, 'alice'), 'shop-v2');
    const second = await approveRollout(ctxFor(store, 'bob'), 'shop-v2', { comment: 'me too' });
    assert.deepEqual(second, first);
    assert.equal((await store.events.list({ types: [EventType.ApprovalRecorded] })).length, 1);
  });

  test('an actor who is not an approver is FORBIDDEN and nothing is written', async () => {
    const store = await waitingAt(APPROVAL_STEPS, 1);
    const before = await store.rollouts.get('shop-v2');
    await assert.rejects(approveRollout(ctxFor(store, 'mallory'), 'shop-v2'), codeIs(ErrorCode.FORBIDDEN, /"mallory" may not approve step 2/));
    assert.deepEqual(await store.rollouts.get('shop-v2'), before);
    assert.deepEqual(await store.events.list(), []);
  });

  test('approve when nothing waits for a person is INVALID_TRANSITION; of an unknown rollout ROLLOUT_NOT_FOUND', async () => {
    const store = await waitingAt(APPROVAL_STEPS, 0);
    await assert.rejects(approveRollout(ctxFor(store, 'alice'), 'shop-v2'), codeIs(ErrorCode.INVALID_TRANSITION, /current step is setWeight/));
    await assert.rejects(approveRollout(ctxFor(store, 'alice'), 'nope'), codeIs(ErrorCode.ROLLOUT_NOT_FOUND));
  });

  test('approve confirms the named checklist instruction; several waiting need a name', async () => {
    const steps: Step[] = [
      {
        kind: 'checklist',
        items: [
          { name: 'flip-flag', operation: { kind: 'instruction', text: 'Turn the flag on' } },
          { name: 'tell-support', operation: { kind: 'instruction', text: 'Tell support' } },
        ],
      },
    ];
    const checklist = [
      { name: 'flip-flag', phase: 'awaiting-person' as const },
      { name: 'tell-support', phase: 'awaiting-person' as const },
    ];
    const store = await waitingAt(steps, 0, { stepIndex: 0, startedAt: T0, checklist });
    await assert.rejects(approveRollout(ctxFor(store, 'carol'), 'shop-v2'), codeIs(ErrorCode.INVALID_TRANSITION, /several items wait \(flip-flag, tell-support\)/));
    const result = await approveRollout(ctxFor(store, 'carol'), 'shop-v2', { item: 'tell-support', comment: 'done' });
    const confirmed = result.status.stepState?.checklist?.find((i) => i.name === 'tell-support');
    assert.equal(confirmed?.phase, 'pending');
    assert.deepEqual(confirmed?.confirmed, { by: 'carol', at: T0 + 5_000, comment: 'done' });
    const [event] = await store.events.list({ types: [EventType.ApprovalRecorded] });
    const { before: _before, after, ...data } = event?.data ?? {};
    assert.deepEqual(data, { by: 'carol', step: 0, comment: 'done', item: 'tell-support' });
    assert.deepEqual((after as { confirmed?: unknown }).confirmed, ['tell-support']);
  });

  test('approve that loses a race to the controller moving on is CONFLICT and writes nothing', async () => {
    const inner = await waitingAt(APPROVAL_STEPS, 1);
    const store = racingStore(inner, async () => {
      const r = await inner.rollouts.get('shop-v2');
      if (r) await inner.rollouts.save({ ...r, status: { ...r.status, stepIndex: 2 } }, r.version);
    });
    await assert.rejects(approveRollout(ctxFor(store, 'alice'), 'shop-v2'), codeIs(ErrorCode.CONFLICT, /moved from step 2 to step 3 while approve/));
    assert.equal((await inner.rollouts.get('shop-v2'))?.status.stepState?.approval, undefined);
  });

  test('reject aborts the rollout and records who rejected it and why', async () => {
    const store = await waitingAt(APPROVAL_STEPS, 1);
    const result = await rejectRollout(ctxFor(store, 'mallory'), 'shop-v2', 'error budget is gone');
    assert.equal(result.status.phase, Phase.Aborting);
    assert.equal(result.status.message, 'Rejected by mallory: error budget is gone');
    const events = await store.events.list();
    assert.deepEqual(events.map((e) => [e.type, e.to, e.actor]).slice(0, 2), [
      [EventType.ApprovalRecorded, 'rejected', 'mallory'],
      [EventType.PhaseChanged, Phase.Aborting, 'mallory'],
    ]);
    const { before, after, ...data } = events[0]?.data ?? {};
    assert.deepEqual(data, { by: 'mallory', step: 1, comment: 'error budget is gone' });
    assert.deepEqual([(before as { phase: string }).phase, (after as { phase: string }).phase], [Phase.Progressing, Phase.Aborting]);
  });

  test('reject of an ended rollout is INVALID_TRANSITION; of an unknown one ROLLOUT_NOT_FOUND', async () => {
    const store = await waitingAt(APPROVAL_STEPS, 1);
    await rejectRollout(ctxFor(store, 'bob'), 'shop-v2', undefined);
    const aborting = await store.rollouts.get('shop-v2');
    if (aborting) await store.rollouts.save({ ...aborting, status: { ...aborting.status, phase: Phase.Aborted } }, aborting.version);
    await assert.rejects(rejectRollout(ctxFor(store, 'bob'), 'shop-v2', undefined), codeIs(ErrorCode.INVALID_TRANSITION));
    await assert.rejects(rejectRollout(ctxFor(store, 'bob'), 'nope', undefined), codeIs(ErrorCode.ROLLOUT_NOT_FOUND));
  });
});
