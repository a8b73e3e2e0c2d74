import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTerminal, ManualClock, Phase, type ReleaseEvent, type Step } from '@sluice/domain';
import { promoteRollout } from '../rollouts/rollout-commands.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { DyingStore } from './testing/dying-store.js';
import { harness, seed, settle, shopRollout, T0, type Harness } from './testing/fixtures.js';

/** Drives the demo rollout to the end from whatever state the store holds: waits out timed pauses, promotes manual ones. */
async function driveToEnd(h: Harness): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await settle(h).catch(() => undefined);
    const r = await h.store.rollouts.get('shop-v2');
    if (!r || isTerminal(r.status.phase)) return;
    if (r.status.phase === Phase.Paused && r.status.pauseUntil !== undefined) h.clock.set(Math.max(h.clock.now(), r.status.pauseUntil));
    else if (r.status.phase === Phase.Paused && !r.status.promoteRequested) {
      await promoteRollout({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop-v2', false);
    }
  }
}

const shape = (events: readonly ReleaseEvent[]) => events.map((e) => `${e.subject.kind} ${e.type} ${e.from ?? ''}→${e.to ?? ''}`);

async function uncrashedLog(prepare: (store: Store) => Promise<void>): Promise<string[]> {
  const h = harness();
  await prepare(h.store);
  await driveToEnd(h);
  return shape(await h.store.events.list({ limit: 10_000 }));
}

/** Kills the controller after each commit in turn; each time a restarted one must finish with the uncrashed log. */
async function crashAfterEveryCommit(prepare: (store: Store) => Promise<void>, check: (restarted: Harness, k: number) => Promise<void>): Promise<string[]> {
  const expected = await uncrashedLog(prepare);
  const commits = expected.length; // at most one commit per event, so this bounds the crash points
  assert.ok(commits > 10, `the rollout records its steps (${commits} events)`);
  for (let k = 1; k <= commits; k++) {
    const disk: Store = new MemoryStore();
    await prepare(disk);
    const clock = new ManualClock(T0);
    const doomed = new DyingStore(disk, k);
    await driveToEnd(harness({ store: doomed, clock })).catch(() => undefined);
    // Restart: a new controller and an empty data plane (the proxy died with the process).
    const restarted = harness({ store: disk, clock });
    await driveToEnd(restarted);
    const rollout = await disk.rollouts.get('shop-v2');
    assert.equal(rollout?.status.phase, Phase.Succeeded, `crash after commit ${k}`);
    assert.deepEqual(shape(await disk.events.list({ limit: 10_000 })), expected, `event log after a crash at commit ${k}`);
    await check(restarted, k);
    const seqs = (await disk.events.list({ limit: 10_000 })).map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  }
  return expected;
}

const ROUTING_STEPS: readonly Step[] = [
  { kind: 'setSegmentRoute', segment: 'testers' },
  { kind: 'setHeaderRoute', name: 'canary-header', match: [{ kind: 'header', name: 'x-canary', match: { exact: 'always' } }] },
  { kind: 'setMirror', percent: 10, maxBodyBytes: 1024 },
  { kind: 'setWeight', weight: 5 },
  { kind: 'pause', durationMs: 30_000 },
  { kind: 'setHeaderRoute', name: 'canary-header' },
  { kind: 'setWeight', weight: 50 },
];

describe('crash recovery', () => {
  test('a rollout killed after every possible commit finishes with each transition exactly once', async () => {
    await crashAfterEveryCommit(
      (store) => seed(store),
      async (restarted, k) => assert.equal((await restarted.router.observeSplit('shop')).stable, 'v2', `traffic after a crash at commit ${k}`),
    );
  });

  test('a rollout with routing steps killed after every commit records each rule and mirror change exactly once', async () => {
    const prepare = async (store: Store) => {
      await seed(store, shopRollout(ROUTING_STEPS));
      await store.segments.save({ name: 'testers', version: 0, spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }] } }, 0);
    };
    const log = await crashAfterEveryCommit(prepare, async (restarted, k) => {
      const served = await restarted.router.observeSplit('shop');
      assert.deepEqual([served.stable, served.rules, served.mirror], ['v2', undefined, undefined], `traffic after a crash at commit ${k}`);
    });
    assert.deepEqual(log.filter((e) => /RouteChanged|MirrorChanged/.test(e)), [
      'Rollout RouteChanged none→segment:testers: segment testers → v2',
      'Rollout RouteChanged none→canary-header: header x-canary exact "always" → v2',
      'Rollout MirrorChanged 0%→10%',
      'Rollout RouteChanged canary-header: header x-canary exact "always" → v2→none',
      'Rollout RouteChanged segment:testers→none',
      'Rollout MirrorChanged 10%→0%',
    ]);
  });

  test('a timed pause keeps its stored deadline across a restart', async () => {
    const disk = new MemoryStore();
    await seed(disk);
    const clock = new ManualClock(T0);
    const first = harness({ store: disk, clock });
    await settle(first);
    const paused = await disk.rollouts.get('shop-v2');
    assert.equal(paused?.status.pauseUntil, T0 + 30_000);
    clock.advance(20_000);
    const second = harness({ store: disk, clock });
    await settle(second);
    assert.equal((await disk.rollouts.get('shop-v2'))?.status.stepIndex, 1, 'still paused 10 s before the deadline');
    assert.equal((await second.router.observeSplit('shop')).weight, 1, 'the restarted data plane serves the stored weight');
    clock.advance(10_000);
    await settle(second);
    assert.equal((await disk.rollouts.get('shop-v2'))?.status.stepIndex, 3);
  });
});
