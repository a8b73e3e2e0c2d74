import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createRollout, EventType, Phase, startRollout, type LoadStep, type Rollout, type StepState } from '@sluice/domain';
import type { LoadOptions, LoadRun, LoadStats } from '../../load/load-generator.js';
import { loadKey, LoadRegistry } from '../../load/load-registry.js';
import { testServer, type TestServer } from '../../load/testing/load-server.js';
import { MemoryRouter } from '../../traffic/in-memory/memory-router.js';
import type { StepContext, StepProgress } from '../step-executor.js';
import { T0 } from '../testing/fixtures.js';
import { createLoadExecutor } from './load-executor.js';

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function server(status = 200): Promise<TestServer> {
  const s = await testServer((_req, res) => {
    res.statusCode = status;
    res.end('x');
  });
  servers.push(s);
  return s;
}

function loadStep(overrides: Partial<LoadStep> = {}): LoadStep {
  return { kind: 'load', rps: 50, durationMs: 600, requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }], timeoutMs: 1000, maxInFlight: 16, ...overrides };
}

function progressing(step: LoadStep, stepState?: StepState): Rollout {
  const created = createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [{ kind: 'setWeight', weight: 10 }, step] } }, 'v1', T0);
  const started = startRollout(created, T0).rollout;
  return { ...started, status: { ...started.status, stepIndex: 1, ...(stepState ? { stepState } : {}) } };
}

function ctx(rollout: Rollout, now: number, readyBackends: Record<string, string[]>): StepContext {
  return { rollout, now, readyBackends, traffic: new MemoryRouter(), signal: new AbortController().signal, segments: () => undefined, wantedSplit: () => assert.fail('not used') };
}

function expectChange(progress: StepProgress) {
  assert.equal(progress.kind, 'change', JSON.stringify(progress));
  return (progress as Extract<StepProgress, { kind: 'change' }>).change;
}

describe('load executor', () => {
  test('records the start, runs the load, records a LoadFinished event, then is done', async () => {
    const s = await server();
    const registry = new LoadRegistry();
    const executor = createLoadExecutor(registry);
    const step = loadStep();
    let rollout = progressing(step);
    const backends = { v1: ['http://127.0.0.1:1'], v2: [s.url] };

    const recorded = expectChange(await executor.advance(step, ctx(rollout, T0, backends)));
    assert.deepEqual(recorded.rollout.status.stepState, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    assert.equal(registry.size, 0);
    assert.equal(s.seen.length, 0);
    rollout = recorded.rollout;

    const running = await executor.advance(step, ctx(rollout, T0 + 10, backends));
    assert.equal(running.kind, 'wait');
    assert.equal(running.kind === 'wait' && running.until, T0 + 10 + 1000);
    assert.match(running.kind === 'wait' ? running.why : '', /^Load: \d+ sent, \d+ errors, p99 (n\/a|[\d.]+) ms$/);
    const key = loadKey('shop-v2', 1, T0);
    const run = registry.get(key);
    assert.ok(run);
    await executor.advance(step, ctx(rollout, T0 + 20, backends));
    assert.equal(registry.get(key), run, 'a later pass must not start a second generator');

    const stats = await run.done;
    assert.ok(stats.sent >= 25 && stats.sent <= 32, `sent ${stats.sent}`);
    const finished = expectChange(await executor.advance(step, ctx(rollout, T0 + 700, backends)));
    assert.equal(finished.events.length, 1);
    const event = finished.events[0];
    assert.equal(event?.type, EventType.LoadFinished);
    assert.equal(event?.to, 'finished');
    assert.equal(event?.data?.['sent'], s.seen.length);
    assert.equal(event?.data?.['errors'], 0);
    assert.match(String(event?.data?.['reason']), /^sent \d+ requests/);
    assert.deepEqual(finished.rollout.status.stepState?.load, { startedAt: T0, sent: s.seen.length, errors: 0 });
    assert.equal(finished.rollout.status.phase, Phase.Progressing);
    rollout = finished.rollout;

    const done = await executor.advance(step, ctx(rollout, T0 + 710, backends));
    assert.deepEqual(done, { kind: 'done', why: `load of 50 rps for 600ms: ${s.seen.length} requests sent, 0 errors` });
    assert.equal(registry.size, 0);
  });

  test('a tripped breaker fails the rollout with the LoadFinished event first', async () => {
    const s = await server(500);
    const registry = new LoadRegistry();
    const executor = createLoadExecutor(registry);
    const step = loadStep({ durationMs: 4000, stopWhen: 'errorRate > 0.5' });
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    const backends = { v2: [s.url] };
    assert.equal((await executor.advance(step, ctx(rollout, T0, backends))).kind, 'wait');
    const run = registry.get(loadKey('shop-v2', 1, T0));
    assert.ok(run);
    const started = performance.now();
    const final = await run.done;
    assert.ok(performance.now() - started < 2500);
    assert.ok(final.errors >= 10 && final.errors === final.completed, JSON.stringify(final));
    const change = expectChange(await executor.advance(step, ctx(rollout, T0 + 1500, backends)));
    assert.equal(change.rollout.status.phase, Phase.Aborting);
    assert.equal(change.rollout.status.abortCause, 'failure');
    assert.match(change.rollout.status.message, /^Load step stopped: stopWhen "errorRate > 0\.5" held after [\d.]+s \(requests = \d+, errorRate = 1\)$/);
    assert.deepEqual(change.events.map((e) => e.type), [EventType.LoadFinished, EventType.PhaseChanged]);
    assert.equal(change.events[0]?.to, 'tripped');
    assert.equal(change.events[0]?.data?.['errors'], final.errors);
    assert.equal(change.events[0]?.data?.['sent'], final.sent);
    assert.deepEqual(change.rollout.status.stepState?.load, { startedAt: T0, sent: final.sent, errors: final.errors });
    assert.ok(s.seen.length > 0);
  });

  test('waits for a ready instance, and fails once none came for the step duration', async () => {
    const registry = new LoadRegistry();
    const executor = createLoadExecutor(registry);
    const step = loadStep();
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    const waiting = await executor.advance(step, ctx(rollout, T0 + 599, { v2: [] }));
    assert.deepEqual(waiting, { kind: 'wait', why: 'Load step waits for a ready instance of v2 to send load to' });
    const failed = expectChange(await executor.advance(step, ctx(rollout, T0 + 600, {})));
    assert.equal(failed.rollout.status.phase, Phase.Aborting);
    assert.match(failed.rollout.status.message, /no ready instance of v2 .* for 600ms/);
    assert.equal(registry.size, 0);
  });

  test('refuses a non-loopback target that is not an upstream host, and passes upstream hosts on', async () => {
    const step = loadStep();
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    const backends = { v2: ['http://10.9.9.9:8080'] };
    const registry = new LoadRegistry();
    const refused = await createLoadExecutor(registry).advance(step, ctx(rollout, T0, backends));
    assert.equal(refused.kind, 'wait');
    assert.match(refused.kind === 'wait' ? refused.why : '', /^Load step cannot start: Load step refused: target host "10\.9\.9\.9"/);
    assert.equal(registry.size, 0);

    let asked: LoadOptions | undefined;
    const fake: LoadRun = { state: 'running', reason: 'running', stats: () => ({ sent: 3, errors: 1, p99Ms: 2 }) as LoadStats, stop: () => {}, done: new Promise(() => {}) };
    const allowed = createLoadExecutor(registry, { allowedHosts: async () => ['10.9.9.9'], start: (o) => ((asked = o), fake) });
    const running = await allowed.advance(step, ctx(rollout, T0 + 100, backends));
    assert.deepEqual(running, { kind: 'wait', why: 'Load: 3 sent, 1 errors, p99 2 ms', until: T0 + 1100 });
    assert.deepEqual(asked?.allowedHosts, ['10.9.9.9']);
    assert.deepEqual(asked?.targets, ['http://10.9.9.9:8080']);
    assert.equal(asked?.durationMs, 500);
  });

  test('an invalid stopWhen halts the step instead of failing the rollout', async () => {
    const step = loadStep({ stopWhen: 'latency >' });
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    const progress = await createLoadExecutor(new LoadRegistry()).advance(step, ctx(rollout, T0, { v2: ['http://127.0.0.1:1'] }));
    assert.equal(progress.kind, 'wait');
    assert.match(progress.kind === 'wait' ? progress.why : '', /^Load step cannot start: condition "latency >"/);
  });

  test('after a restart it runs only for the time that is left', async () => {
    const s = await server();
    const registry = new LoadRegistry();
    const step = loadStep({ durationMs: 600 });
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    await createLoadExecutor(registry).advance(step, ctx(rollout, T0 + 400, { v2: [s.url] }));
    const run = registry.get(loadKey('shop-v2', 1, T0));
    assert.ok(run);
    const started = performance.now();
    const stats = await run.done;
    assert.ok(performance.now() - started < 400);
    assert.equal(stats.sent, 10);
  });

  test('a restart after the step time ran out records empty totals, then is done', async () => {
    const step = loadStep();
    const registry = new LoadRegistry();
    const executor = createLoadExecutor(registry, { start: () => assert.fail('nothing should start') });
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    const change = expectChange(await executor.advance(step, ctx(rollout, T0 + 700, { v2: ['http://127.0.0.1:1'] })));
    assert.equal(change.events[0]?.type, EventType.LoadFinished);
    assert.match(change.events[0]?.reason ?? '', /restarted/);
    assert.equal(change.rollout.status.stepState?.load?.sent, 0);
    assert.equal((await executor.advance(step, ctx(change.rollout, T0 + 710, {}))).kind, 'done');
  });

  test('state of another step is stale: the start is recorded afresh', async () => {
    const step = loadStep();
    const rollout = progressing(step, { stepIndex: 0, startedAt: T0 - 5, load: { startedAt: T0 - 5, sent: 9 } });
    const change = expectChange(await createLoadExecutor(new LoadRegistry()).advance(step, ctx(rollout, T0 + 3, {})));
    assert.deepEqual(change.rollout.status.stepState, { stepIndex: 1, startedAt: T0 + 3, load: { startedAt: T0 + 3 } });
  });

  test('a generator stopped by someone else is started again on a later pass', async () => {
    let starts = 0;
    const runs: LoadRun[] = [];
    const start = (): LoadRun => {
      starts += 1;
      let state: LoadRun['state'] = 'running';
      const run: LoadRun = { get state() { return state; }, reason: 'x', stats: () => ({ sent: 0, errors: 0, p99Ms: NaN }) as LoadStats, stop: () => { state = 'stopped'; }, done: new Promise(() => {}) };
      runs.push(run);
      return run;
    };
    const step = loadStep();
    const registry = new LoadRegistry();
    const executor = createLoadExecutor(registry, { start });
    const rollout = progressing(step, { stepIndex: 1, startedAt: T0, load: { startedAt: T0 } });
    const backends = { v2: ['http://127.0.0.1:1'] };
    await executor.advance(step, ctx(rollout, T0, backends));
    runs[0]?.stop();
    assert.deepEqual(await executor.advance(step, ctx(rollout, T0 + 1, backends)), { kind: 'wait', why: 'Load generator was stopped; starting it again for the remaining time', until: T0 + 1 });
    assert.equal(registry.size, 0);
    await executor.advance(step, ctx(rollout, T0 + 2, backends));
    assert.equal(starts, 2);
    assert.equal(registry.get(loadKey('shop-v2', 1, T0)), runs[1]);
  });
});
