import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  approveStep,
  DEFAULT_GATE,
  EventType,
  Phase,
  rejectRollout,
  requestAbort,
  requestPromote,
  type AnalysisMetric,
  type AnalysisTemplate,
  type MeasurementRecord,
  type Rollout,
  type RolloutChange,
  type Step,
} from '@sluice/domain';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import { MemoryMetricProvider } from '../providers/in-memory/memory-provider.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { commitChange } from './commit.js';
import { harness, seed, settle, shopRollout, type Harness } from './testing/fixtures.js';

const metric = (over: Partial<AnalysisMetric> = {}): AnalysisMetric => ({
  name: 'errors',
  provider: { kind: 'builtin' },
  query: 'error-rate {{version}}',
  judge: { kind: 'threshold', successCondition: 'result < {{args.max}}' },
  intervalMs: 10_000,
  timeoutMs: 1_000,
  retries: 0,
  gate: { ...DEFAULT_GATE, count: 3 },
  ...over,
});

const template = (metrics: AnalysisMetric[] = [metric()]): AnalysisTemplate => ({ name: 'health', version: 0, spec: { args: [{ name: 'max', value: '0.01' }], metrics } });

interface Setup extends Harness {
  readonly provider: MemoryMetricProvider;
}

async function setup(steps: Step[], options: { template?: AnalysisTemplate; rollout?: Rollout } = {}): Promise<Setup> {
  const provider = new MemoryMetricProvider({ 'error-rate v2': 0.001, 'error-rate v1': 0.001 });
  const store = new MemoryStore();
  const analysis: AnalysisDeps = { providers: () => provider, template: (name) => store.analysisTemplates.get(name) };
  const h = harness({ store, analysis });
  await store.analysisTemplates.save(options.template ?? template(), 0);
  await seed(store, options.rollout ?? shopRollout(steps));
  return { ...h, provider };
}

const get = async (h: Harness): Promise<Rollout> => {
  const r = await h.store.rollouts.get('shop-v2');
  assert.ok(r);
  return r;
};

async function act(h: Harness, actor: string, decide: (r: Rollout, now: number) => RolloutChange): Promise<void> {
  const base = await get(h);
  await commitChange(h.store, { rollout: decide(base, h.clock.now()), base }, { actor, at: h.clock.now() });
}

/** Advances the clock by `ms` in steps of `tick`, settling after each. */
async function run(h: Harness, ms: number, tick = 10_000): Promise<void> {
  await settle(h);
  for (let t = 0; t < ms; t += tick) {
    h.clock.advance(tick);
    await settle(h);
  }
}

const decisions = async (h: Harness): Promise<MeasurementRecord[]> =>
  (await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' }, types: [EventType.AnalysisMeasured] })).map((e) => e.data as unknown as MeasurementRecord);

describe('analysis step', () => {
  test('passes after `count` healthy measurements, each recorded with its query, window and verdict', async () => {
    const h = await setup([{ kind: 'setWeight', weight: 10 }, { kind: 'analysis', templates: ['health'], args: {} }, { kind: 'pause' }]);
    await run(h, 20_000);
    assert.equal((await get(h)).status.stepIndex, 1, 'two measurements are not yet three');
    await run(h, 10_000);
    const r = await get(h);
    assert.equal(r.status.stepIndex, 2);
    const log = await decisions(h);
    assert.equal(log.length, 3);
    const first = log[0];
    assert.ok(first);
    assert.equal(first.result, 'pass');
    assert.equal(first.rule, 'threshold');
    assert.equal(first.metric, 'health/errors');
    assert.equal(first.queries['canary'], 'error-rate v2');
    assert.equal(first.window.toMs - first.window.fromMs, 10_000);
    assert.equal(first.source, 'step');
    assert.equal(log[2]?.gate, 'passed');
  });

  test('a failing measurement rolls the rollout back (failureLimit 0)', async () => {
    const h = await setup([{ kind: 'setWeight', weight: 10 }, { kind: 'analysis', templates: ['health'], args: {} }]);
    h.provider.set('error-rate v2', 0.2);
    await run(h, 10_000);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.match(r.status.message, /stable/);
    const decided = await h.store.events.list({ types: [EventType.AnalysisDecided] });
    assert.equal(decided[0]?.to, 'failed');
  });

  test('step args override template defaults', async () => {
    const h = await setup([{ kind: 'analysis', templates: ['health'], args: { max: '0.0001' } }]);
    await run(h, 10_000);
    assert.equal((await get(h)).status.phase, Phase.Failed, '0.001 is not below 0.0001');
  });

  test('an unreachable provider halts the analysis and holds the rollout; promote goes on', async () => {
    const h = await setup([{ kind: 'analysis', templates: ['health'], args: {} }, { kind: 'pause' }]);
    h.provider.up = false;
    await run(h, 50_000);
    let r = await get(h);
    assert.equal(r.status.phase, Phase.Paused, 'an outage is not a bad canary: hold, never fail');
    assert.equal(r.status.stepIndex, 0);
    assert.match(r.status.message, /halted/);
    const log = await decisions(h);
    assert.equal(log.length, 5);
    assert.ok(log.every((d) => d.result === 'error'));
    await act(h, 'alice', (x, now) => requestPromote(x, false, now));
    await settle(h);
    r = await get(h);
    assert.equal(r.status.stepIndex, 1);
  });

  test('without count, the step duration ends it: passed if anything was judged', async () => {
    const h = await setup([{ kind: 'analysis', templates: ['health'], args: {}, durationMs: 35_000 }, { kind: 'pause' }], { template: template([metric({ gate: DEFAULT_GATE })]) });
    await run(h, 30_000);
    assert.equal((await get(h)).status.stepIndex, 0);
    await run(h, 10_000);
    assert.equal((await get(h)).status.stepIndex, 1);
  });

  test('a template changed mid-run does not change the run, which measures what it started with', async () => {
    const h = await setup([{ kind: 'analysis', templates: ['health'], args: {} }, { kind: 'pause' }]);
    await run(h, 10_000);
    const stored = await h.store.analysisTemplates.get('health');
    assert.ok(stored);
    await h.store.analysisTemplates.save({ ...template([metric({ name: 'renamed', query: 'other {{version}}' })]), version: stored.version }, stored.version);
    await run(h, 20_000);
    assert.equal((await get(h)).status.stepIndex, 1);
    assert.deepEqual([...new Set((await decisions(h)).map((d) => d.metric))], ['health/errors']);
  });

  test('measurements continue where they stopped after a restart', async () => {
    const h = await setup([{ kind: 'analysis', templates: ['health'], args: {} }, { kind: 'pause' }]);
    await run(h, 20_000);
    const restarted = harness({ store: h.store, clock: h.clock, analysis: { providers: () => h.provider, template: (n) => h.store.analysisTemplates.get(n) } });
    await run(restarted, 10_000);
    assert.equal((await get(restarted)).status.stepIndex, 1);
    assert.equal((await decisions(restarted)).length, 3, 'the gate kept its two measurements');
  });
});

describe('approval step', () => {
  test('waits for approve and records who and why', async () => {
    const h = await setup([{ kind: 'approval', approvers: ['alice'] }, { kind: 'pause' }]);
    await run(h, 60_000);
    assert.equal((await get(h)).status.stepIndex, 0);
    await assert.rejects(() => act(h, 'mallory', (r, now) => approveStep(r, 'mallory', 'looks fine', undefined, now)), /FORBIDDEN|may not approve/);
    await act(h, 'alice', (r, now) => approveStep(r, 'alice', 'dashboards clean', undefined, now));
    await settle(h);
    const r = await get(h);
    assert.equal(r.status.stepIndex, 1);
    const recorded = await h.store.events.list({ types: [EventType.ApprovalRecorded] });
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]?.actor, 'alice');
    assert.equal(recorded[0]?.data?.['comment'], 'dashboards clean');
  });

  test('reject aborts the rollout', async () => {
    const h = await setup([{ kind: 'setWeight', weight: 5 }, { kind: 'approval' }]);
    await settle(h);
    await act(h, 'bob', (r, now) => rejectRollout(r, 'bob', 'checkout errors', now));
    await settle(h);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Aborted);
    assert.equal((await h.router.observeSplit('shop')).weight, 0);
  });
});

const verification = { provider: { kind: 'builtin' as const }, query: 'error-rate {{version}}', judge: { kind: 'threshold' as const, successCondition: 'result < 0.01' }, timeoutMs: 1_000, retries: 0, intervalMs: 5_000, withinMs: 20_000 };

describe('checklist step', () => {
  test('runs operations in order, verifies each on traffic from after its operation, and passes', async () => {
    const h = await setup([{ kind: 'checklist', items: [{ name: 'ok', operation: { kind: 'command', command: 'true', timeoutMs: 5_000 }, verification }] }, { kind: 'pause' }]);
    await settle(h);
    const operatedAt = h.clock.now();
    await run(h, 10_000, 5_000);
    const r = await get(h);
    assert.equal(r.status.stepIndex, 1);
    const first = (await decisions(h))[0];
    assert.equal(first?.source, 'checklist');
    assert.deepEqual(first?.window, { fromMs: operatedAt, toMs: operatedAt + 5_000 });
  });

  test('an operation interrupted by the control plane stopping is not a failure', async () => {
    const h = await setup([{ kind: 'checklist', items: [{ name: 'slow', operation: { kind: 'command', command: 'sleep 5', timeoutMs: 10_000 } }] }]);
    const started = Date.now();
    const stopping = h.controller.reconcileOnce();
    await new Promise((r) => setTimeout(r, 200));
    await h.controller.stop();
    await stopping;
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Progressing);
    assert.equal(r.status.stepState?.checklist?.[0]?.phase, 'pending', 'the item runs again on the next start');
    assert.ok(Date.now() - started < 4_000, 'the command was killed, not waited for');
  });

  test('a failed operation fails the step and rolls back', async () => {
    const h = await setup([{ kind: 'setWeight', weight: 5 }, { kind: 'checklist', items: [{ name: 'broken', operation: { kind: 'command', command: 'false', timeoutMs: 5_000 } }] }]);
    await settle(h);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.match(r.status.message, /stable/);
    const changed = await h.store.events.list({ types: [EventType.ChecklistItemChanged] });
    assert.match(changed.at(-1)?.reason ?? '', /broken.*failed.*exited 1/);
  });

  test('a failing verification is retried until it passes within `within` (a change still converging)', async () => {
    const h = await setup([{ kind: 'checklist', items: [{ name: 'converging', verification }] }, { kind: 'pause' }]);
    h.provider.set('error-rate v2', 0.5);
    await run(h, 10_000, 5_000);
    assert.equal((await get(h)).status.stepIndex, 0);
    assert.equal((await get(h)).status.phase, Phase.Progressing);
    h.provider.set('error-rate v2', 0.001);
    await run(h, 5_000, 5_000);
    assert.equal((await get(h)).status.stepIndex, 1);
    assert.deepEqual((await decisions(h)).map((d) => d.result).slice(0, 2), ['fail', 'fail']);
  });

  test('a verification that never passes fails after `within`', async () => {
    const h = await setup([{ kind: 'checklist', items: [{ name: 'slow', verification }] }]);
    h.provider.set('error-rate v2', { noData: 'no requests yet' });
    await run(h, 30_000, 5_000);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    const aborting = (await h.store.events.list({ types: [EventType.PhaseChanged] })).find((e) => e.to === Phase.Aborting);
    assert.match(aborting?.reason ?? '', /slow.*no pass within 20s/);
  });

  test('an instruction waits for a person; rollback verifications run after an abort', async () => {
    const items = [{ name: 'flip-dns', operation: { kind: 'instruction' as const, text: 'Point dns at the new LB' }, rollbackVerification: verification }];
    const h = await setup([{ kind: 'checklist', items }, { kind: 'pause' }]);
    await run(h, 20_000);
    assert.equal((await get(h)).status.stepIndex, 0);
    await act(h, 'carol', (r, now) => approveStep(r, 'carol', 'done', undefined, now));
    await settle(h);
    let r = await get(h);
    assert.equal(r.status.stepIndex, 1);
    assert.deepEqual(r.status.rollbackChecks?.map((c) => [c.item, c.phase]), [['flip-dns', 'pending']]);
    h.provider.set('error-rate v2', 0.5);
    await act(h, 'carol', (x, now) => requestAbort(x, 'user', 'changed my mind', now));
    await settle(h);
    assert.equal((await get(h)).status.phase, Phase.Aborting, 'the rollback verification waits one interval for post-rollback traffic');
    await run(h, 5_000, 5_000);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Aborted);
    assert.equal(r.status.rollbackChecks?.[0]?.phase, 'passed', 'the rollback verification checks the version now serving (v1, healthy), not the failed canary');
    assert.ok((await decisions(h)).some((d) => d.source === 'rollback'));
  });
});

describe('background analysis', () => {
  test('runs from its step and rolls back when it fails, even during a pause', async () => {
    const rollout = shopRollout([{ kind: 'setWeight', weight: 5 }, { kind: 'pause', durationMs: 600_000 }, { kind: 'setWeight', weight: 50 }]);
    const withBackground: Rollout = { ...rollout, spec: { ...rollout.spec, analysis: { background: { templates: ['health'], args: {}, fromStep: 1 } } } };
    const h = await setup([], { rollout: withBackground, template: template([metric({ gate: { ...DEFAULT_GATE, failureLimit: 1 } })]) });
    await run(h, 20_000);
    let r = await get(h);
    assert.equal(r.status.phase, Phase.Paused);
    assert.equal(r.status.background?.status, 'running');
    h.provider.set('error-rate v2', 0.3);
    await run(h, 20_000);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.match(r.status.message, /stable/);
    assert.ok((await decisions(h)).every((d) => d.source === 'background'));
  });
});

describe('holds', () => {
  const withBackground = (steps: Step[]): Rollout => {
    const rollout = shopRollout(steps);
    return { ...rollout, spec: { ...rollout.spec, analysis: { background: { templates: ['health'], args: {}, fromStep: 0 } } } };
  };

  test('a background hold during a timed pause keeps the pause and its deadline; promote releases only the hold', async () => {
    const h = await setup([], { rollout: withBackground([{ kind: 'setWeight', weight: 5 }, { kind: 'pause', durationMs: 600_000 }, { kind: 'setWeight', weight: 50 }]) });
    await run(h, 10_000);
    const pauseUntil = (await get(h)).status.pauseUntil;
    assert.ok(pauseUntil !== undefined);
    h.provider.up = false;
    await run(h, 60_000);
    let r = await get(h);
    assert.equal(r.status.hold?.source, 'background');
    assert.match(r.status.message, /Background analysis halted/);
    await act(h, 'alice', (x, now) => requestPromote(x, false, now));
    h.provider.up = true;
    await run(h, 10_000);
    r = await get(h);
    assert.equal(r.status.hold, undefined);
    assert.equal(r.status.stepIndex, 1, 'the promote went to the hold, not to the pause');
    assert.equal(r.status.pauseUntil, pauseUntil, 'the pause keeps its deadline');
    assert.equal(r.status.background?.status, 'running', 'the undecided gates start over');
  });

  test('a held rollout does not leave its pause step when the pause ends', async () => {
    const h = await setup([], { rollout: withBackground([{ kind: 'pause', durationMs: 60_000 }, { kind: 'setWeight', weight: 50 }]) });
    h.provider.up = false;
    await run(h, 120_000);
    const r = await get(h);
    assert.equal(r.status.stepIndex, 0);
    assert.equal(r.status.hold?.source, 'background');
  });
});

