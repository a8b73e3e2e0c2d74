process.env['TZ'] = 'UTC';
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ReleaseEvent } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
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
  api.requests.length = 0;
});

const BAR_20 = '[████░░░░░░░░░░░░░░░░] 20% v2 / 80% v1';
const BAR_100 = '[████████████████████] 100% v2 / 0% v1';

/** A rollout's life as successive polls see it, each frame with the events so far. */
function lifecycle(end: 'Succeeded' | 'Aborted'): { frames: RolloutView[]; events: ReleaseEvent[] } {
  const events = [
    rolloutEvent({ type: 'WeightChanged', at: T0 - 5_000, from: '0', to: '20', reason: 'Weight set to 20%' }),
    rolloutEvent({ type: 'PhaseChanged', at: T0 + 1_500, from: 'Progressing', to: 'Paused', reason: 'Paused at step 2 for 30s' }),
    end === 'Succeeded'
      ? rolloutEvent({ type: 'PhaseChanged', at: T0 + 2_500, actor: 'alice', from: 'Paused', to: 'Promoting', reason: 'Full promotion requested' })
      : rolloutEvent({ type: 'PhaseChanged', at: T0 + 2_500, actor: 'alice', from: 'Paused', to: 'Aborting', reason: 'bad latency' }),
    end === 'Succeeded'
      ? rolloutEvent({ type: 'PhaseChanged', at: T0 + 3_500, from: 'Promoting', to: 'Succeeded', reason: 'v2 is now stable' })
      : rolloutEvent({ type: 'PhaseChanged', at: T0 + 3_500, from: 'Aborting', to: 'Aborted', reason: 'All traffic is back on stable v1' }),
  ];
  const progressing = { phase: 'Progressing' as const, stepIndex: 0, pauseUntil: undefined, pausedAt: undefined };
  const third = end === 'Succeeded' ? { phase: 'Promoting' as const, stepIndex: 5, canaryWeight: 100 } : { phase: 'Aborting' as const };
  const last = end === 'Succeeded' ? { phase: 'Succeeded' as const, stepIndex: 5, canaryWeight: 100 } : { phase: 'Aborted' as const, canaryWeight: 0 };
  const frames = [
    rolloutView(progressing, { events: events.slice(0, 1) }),
    rolloutView(progressing, { events: events.slice(0, 1) }),
    rolloutView({}, { events: events.slice(0, 2) }),
    rolloutView({ ...third, pauseUntil: undefined }, { events: events.slice(0, 3) }),
    rolloutView({ ...last, pauseUntil: undefined }, { events: events.slice(0, 4) }),
  ];
  return { frames, events };
}

describe('sluice status', () => {
  test('status prints the rollout with weight bar, step markers and countdown from the injected clock', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const { code, out } = await runCli(['status', 'shop-v2'], { url: api.url });
    assert.equal(code, 0);
    assert.match(out, /^Version: +v1 → v2$/m);
    assert.match(out, /^Step 2\/5: +pause 30s$/m);
    assert.ok(out.includes(`Traffic:   ${BAR_20}\n`), out);
    assert.match(out, /^Pause: +ends in 30s \(at 00:00:30\)$/m);
    assert.match(out, /^ {2}✓ 1\. setWeight 20\n {2}▶ 2\. pause 30s\n {2}· 3\. setWeight 50$/m);
  });

  test('status of an unknown rollout exits 1 with the server message', async () => {
    const { code, err } = await runCli(['status', 'nope'], { url: api.url });
    assert.equal(code, 1);
    assert.equal(err, 'error: rollout "nope" not found\n');
  });
});

describe('sluice status --watch', () => {
  test('--watch on a pipe prints only changes and exits 0 when the rollout succeeds', async () => {
    api.state.rollouts.set('shop-v2', lifecycle('Succeeded').frames);
    const { code, out, sleeps } = await runCli(['status', 'shop-v2', '--watch'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      `00:00:00 shop-v2 Progressing, step 1/5: setWeight 20, ${BAR_20}`,
      '00:00:01 controller PhaseChanged Progressing→Paused Paused at step 2 for 30s',
      `00:00:02 shop-v2 Paused, step 2/5: pause 30s, ${BAR_20}`,
      '00:00:02 alice PhaseChanged Paused→Promoting Full promotion requested',
      `00:00:03 shop-v2 Promoting, step 5/5: all steps done, ${BAR_100}`,
      '00:00:03 controller PhaseChanged Promoting→Succeeded v2 is now stable',
      `00:00:04 shop-v2 Succeeded, step 5/5: all steps done, ${BAR_100}`,
      '',
    ]);
    assert.deepEqual(sleeps, [1000, 1000, 1000, 1000]);
  });

  test('--watch exits 1 when the rollout is aborted and polls at --interval', async () => {
    api.state.rollouts.set('shop-v2', lifecycle('Aborted').frames);
    const { code, out, sleeps } = await runCli(['status', 'shop-v2', '--watch', '--interval', '250'], { url: api.url });
    assert.equal(code, 1);
    assert.match(out, /alice PhaseChanged Paused→Aborting bad latency\n/);
    assert.match(out, /shop-v2 Aborted, step 2\/5: pause 30s, \[░{20}\] 0% v2 \/ 100% v1\n$/);
    assert.deepEqual(sleeps, [250, 250, 250, 250]);
  });

  test('--watch on a terminal redraws the frame in place without clearing the screen', async () => {
    const { frames } = lifecycle('Succeeded');
    api.state.rollouts.set('shop-v2', [frames[2] as RolloutView, frames[4] as RolloutView]);
    const { code, out } = await runCli(['status', 'shop-v2', '--watch'], { url: api.url, isTTY: true, columns: 40 });
    assert.equal(code, 0);
    const [first, second] = out.split('\r');
    assert.ok(first !== undefined && second !== undefined, 'two frames');
    const height = first.split('\n').length - 1;
    assert.ok(second.startsWith(`\x1b[${height}A\x1b[2KRollout:`), JSON.stringify(second.slice(0, 30)));
    assert.ok(!out.includes('\x1b[2J'), 'no full-screen clear');
    const widest = Math.max(...out.replace(/\x1b\[[0-9]*[A-Za-z]/g, '').split('\n').map((l) => [...l].length));
    assert.ok(widest <= 39, `lines cut to the terminal width, widest was ${widest}`);
  });
});

describe('sluice promote and abort', () => {
  test('promote --full sends full and prints the new phase', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const { code, out } = await runCli(['promote', 'shop-v2', '--full'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), { full: true });
    assert.equal(out, 'rollout/shop-v2 full promote accepted: Promoting (Full promotion requested: skipping remaining steps)\n');
  });

  test('abort --reason sends the reason and prints the new phase', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const { code, out } = await runCli(['abort', 'shop-v2', '--reason', 'bad latency'], { url: api.url });
    assert.equal(code, 0);
    assert.equal(api.requests[0]?.url, '/api/v1/rollouts/shop-v2/abort');
    assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), { reason: 'bad latency' });
    assert.equal(out, 'rollout/shop-v2 abort accepted: Aborting (bad latency)\n');
  });

  test('pause --reason and resume --comment send their text and print the new phase', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView({ phase: 'Progressing', pauseUntil: undefined })]);
    const paused = await runCli(['pause', 'shop-v2', '--reason', 'checking dashboards'], { url: api.url });
    assert.equal(paused.code, 0, paused.err);
    assert.equal(api.requests[0]?.url, '/api/v1/rollouts/shop-v2/pause');
    assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), { reason: 'checking dashboards' });
    assert.equal(paused.out, 'rollout/shop-v2 pause accepted: Paused (Paused by alice: checking dashboards)\n');
    const resumed = await runCli(['resume', 'shop-v2', '--comment', 'all green'], { url: api.url });
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(api.requests[1]?.url, '/api/v1/rollouts/shop-v2/resume');
    assert.deepEqual(JSON.parse(api.requests[1]?.body ?? ''), { comment: 'all green' });
    assert.equal(resumed.out, 'rollout/shop-v2 resume accepted: Progressing (Resumed by alice: all green)\n');
  });

  test('promote of a finished rollout exits 1 with the transition error', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView({ phase: 'Succeeded', stepIndex: 5, pauseUntil: undefined })]);
    const { code, err } = await runCli(['promote', 'shop-v2'], { url: api.url });
    assert.equal(code, 1);
    assert.equal(err, 'error: Cannot promote a rollout that is Succeeded\n');
  });
});
