import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, Phase, type RouteRuleSpec, type Segment, type Step, type TrafficSplit } from '@sluice/domain';
import { abortRollout, promoteRollout } from '../rollouts/rollout-commands.js';
import type { Store } from '../store/store.js';
import { MemoryRouter } from '../traffic/in-memory/memory-router.js';
import { harness, seed, settle, shopRollout, shopService, type Harness } from './testing/fixtures.js';

const TESTERS: Segment = {
  name: 'internal-testers',
  version: 0,
  spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }] },
};
const testersInlined = (ids: string[]) => ({ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-user-id', match: { in: ids } }]] });
const CANARY_HEADER = [{ kind: 'header' as const, name: 'x-canary', match: { exact: 'always' } }];
const BETA_ROUTE: RouteRuleSpec = { name: 'beta', conditions: [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }], action: { kind: 'split', canary: 'v2', weight: 5 } };

const ROUTING_STEPS: readonly Step[] = [
  { kind: 'setSegmentRoute', segment: 'internal-testers' },
  { kind: 'setHeaderRoute', name: 'canary-header', match: CANARY_HEADER },
  { kind: 'setMirror', percent: 10, maxBodyBytes: 1024 },
  { kind: 'setWeight', weight: 5 },
  { kind: 'pause' },
  { kind: 'setHeaderRoute', name: 'canary-header' },
  { kind: 'setMirror', percent: 0, maxBodyBytes: 1024 },
  { kind: 'pause' },
];

/** Seeds the shop service (with a static `beta` route), the testers segment and a rollout of `steps`. */
async function seedRouting(store: Store, steps: readonly Step[] = ROUTING_STEPS): Promise<void> {
  await seed(store, shopRollout(steps));
  const service = await store.services.get('shop');
  assert.ok(service);
  await store.services.save({ ...service, spec: { ...service.spec, routes: [BETA_ROUTE] } }, service.version);
  await store.segments.save(TESTERS, 0);
}

async function rollout(h: Harness) {
  const r = await h.store.rollouts.get('shop-v2');
  assert.ok(r);
  return r;
}

const staticBeta = { ...BETA_ROUTE, action: { ...BETA_ROUTE.action, salt: 'shop' } };

describe('routing steps', () => {
  test('segment route, header route and mirror are recorded, served in step order before static routes, and verified', async () => {
    const h = harness();
    await seedRouting(h.store);
    await settle(h);
    const r = await rollout(h);
    assert.deepEqual([r.status.phase, r.status.stepIndex], [Phase.Paused, 4]);
    assert.deepEqual(r.status.rules?.map((x) => x.name), ['segment:internal-testers', 'canary-header']);
    assert.deepEqual(r.status.mirror, { version: 'v2', percent: 10, maxBodyBytes: 1024 });
    const served = await h.router.observeSplit('shop');
    assert.deepEqual(served.rules, [
      { name: 'segment:internal-testers', conditions: [testersInlined(['u1', 'u2'])], action: { kind: 'version', version: 'v2' } },
      { name: 'canary-header', conditions: CANARY_HEADER, action: { kind: 'version', version: 'v2' } },
      staticBeta,
    ]);
    assert.deepEqual(served.mirror, { version: 'v2', percent: 10, maxBodyBytes: 1024 });
    assert.equal(served.weight, 5);
    const events = (await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' } })).filter(
      (e) => e.type === EventType.RouteChanged || e.type === EventType.MirrorChanged,
    );
    assert.deepEqual(events.map((e) => [e.type, e.from, e.to]), [
      [EventType.RouteChanged, 'none', 'segment:internal-testers: segment internal-testers → v2'],
      [EventType.RouteChanged, 'none', 'canary-header: header x-canary exact "always" → v2'],
      [EventType.MirrorChanged, '0%', '10%'],
    ]);
    const completed = (await h.store.events.list()).filter((e) => e.type === EventType.StepCompleted).map((e) => e.reason);
    assert.match(completed[0] ?? '', /the data plane serves segment internal-testers on v2/);
  });

  test('removal steps take the header route and the mirror away again', async () => {
    const h = harness();
    await seedRouting(h.store);
    await settle(h);
    await promoteRollout({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop-v2', false);
    await settle(h);
    const r = await rollout(h);
    assert.deepEqual([r.status.phase, r.status.stepIndex], [Phase.Paused, 7]);
    assert.deepEqual(r.status.rules?.map((x) => x.name), ['segment:internal-testers']);
    assert.equal(r.status.mirror, undefined);
    const served = await h.router.observeSplit('shop');
    assert.deepEqual(served.rules?.map((x) => x.name), ['segment:internal-testers', 'beta']);
    assert.equal(served.mirror, undefined);
  });

  test('a Segment edited while a rollout uses it is served from the next reconcile pass', async () => {
    const h = harness();
    await seedRouting(h.store);
    await settle(h);
    const stored = await h.store.segments.get('internal-testers');
    assert.ok(stored);
    await h.store.segments.save({ ...stored, spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2', 'u3'] } }] } }, stored.version);
    await h.controller.reconcileOnce();
    assert.deepEqual((await h.router.observeSplit('shop')).rules?.[0]?.conditions, [testersInlined(['u1', 'u2', 'u3'])]);
    assert.equal((await rollout(h)).status.phase, Phase.Paused, 'the rollout itself did not move');
  });

  test('abort clears the rollout rules and mirror: canary users go back to stable; static routes stay', async () => {
    const h = harness();
    await seedRouting(h.store);
    await settle(h);
    await abortRollout({ store: h.store, clock: h.clock, actor: 'bob' }, 'shop-v2', 'errors');
    await settle(h);
    const r = await rollout(h);
    assert.equal(r.status.phase, Phase.Aborted);
    assert.equal('rules' in r.status || 'mirror' in r.status, false);
    const served = await h.router.observeSplit('shop');
    assert.deepEqual({ stable: served.stable, weight: served.weight, rules: served.rules, mirror: served.mirror }, { stable: 'v1', weight: 0, rules: [staticBeta], mirror: undefined });
    const cleared = (await h.store.events.list()).filter((e) => e.type === EventType.RouteChanged && e.to === 'none');
    assert.deepEqual(cleared.map((e) => e.from), ['segment:internal-testers, canary-header']);
  });

  test('promotion clears the rollout rules and mirror before the target becomes stable', async () => {
    const h = harness();
    await seedRouting(h.store);
    await settle(h);
    await promoteRollout({ store: h.store, clock: h.clock, actor: 'carol' }, 'shop-v2', true);
    await settle(h);
    const r = await rollout(h);
    assert.equal(r.status.phase, Phase.Succeeded);
    assert.equal('rules' in r.status || 'mirror' in r.status, false);
    const served = await h.router.observeSplit('shop');
    assert.deepEqual({ stable: served.stable, canary: served.canary, rules: served.rules, mirror: served.mirror }, { stable: 'v2', canary: undefined, rules: [staticBeta], mirror: undefined });
  });

  test('a route or mirror to the target waits for a ready instance of it', async () => {
    const h = harness({ manualReadiness: true });
    await seedRouting(h.store, [{ kind: 'setHeaderRoute', name: 'h', match: CANARY_HEADER }, { kind: 'pause' }]);
    await settle(h);
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    await settle(h);
    assert.equal((await rollout(h)).status.rules, undefined);
    const outcome = h.controller.outcome('shop-v2');
    assert.match(outcome?.kind === 'waiting' ? outcome.why : '', /ready instance of v2 before routing h to it/);
    h.runtime.markReady({ service: 'shop', version: 'v2' });
    await settle(h);
    assert.deepEqual((await rollout(h)).status.rules?.map((x) => x.name), ['h']);
  });

  test('a mirror to a target that never becomes ready fails the rollout at the progress deadline', async () => {
    const h = harness({ manualReadiness: true });
    await seedRouting(h.store, [{ kind: 'setMirror', percent: 10, maxBodyBytes: 1024 }, { kind: 'pause' }]);
    await settle(h);
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    await settle(h);
    h.clock.advance(599_999);
    await settle(h);
    assert.equal((await rollout(h)).status.phase, Phase.Progressing);
    h.clock.advance(1);
    await settle(h);
    const r = await rollout(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.equal(r.status.mirror, undefined, 'nothing was ever mirrored');
    assert.equal((await h.router.observeSplit('shop')).mirror, undefined);
  });

  test('a segment route to a segment that does not exist waits and says so', async () => {
    const h = harness();
    await seed(h.store, shopRollout([{ kind: 'setSegmentRoute', segment: 'nobody' }, { kind: 'pause' }]));
    await settle(h);
    const outcome = h.controller.outcome('shop-v2');
    assert.equal(outcome?.kind, 'waiting');
    assert.match(outcome?.kind === 'waiting' ? outcome.why : '', /Segment nobody does not exist/);
    await h.store.segments.save({ ...TESTERS, name: 'nobody' }, 0);
    await settle(h);
    assert.equal((await rollout(h)).status.phase, Phase.Paused);
  });

  test('a step completes only once the data plane reports the rules (set, then verify)', async () => {
    const h = harness({ router: new RulelessRouter() });
    await seedRouting(h.store, [{ kind: 'setHeaderRoute', name: 'h', match: CANARY_HEADER }, { kind: 'pause' }]);
    await settle(h);
    const r = await rollout(h);
    assert.deepEqual([r.status.phase, r.status.stepIndex, r.status.rules?.length], [Phase.Progressing, 0, 1], 'recorded, not completed');
    const outcome = h.controller.outcome('shop-v2');
    assert.match(outcome?.kind === 'waiting' ? outcome.why : '', /Waiting for the data plane to serve route h to v2/);
  });
});

describe('static routes of a service without a rollout', () => {
  test('the data plane serves the service routes with segments inlined, and follows edits on the next pass', async () => {
    const h = harness();
    await h.store.segments.save(TESTERS, 0);
    const testers: RouteRuleSpec = { name: 'testers', conditions: [{ kind: 'segment', segment: 'internal-testers' }], action: { kind: 'version', version: 'v2' } };
    const service = await h.store.services.save({ ...shopService(), spec: { ...shopService().spec, routes: [testers] } }, 0);
    await h.controller.reconcileOnce();
    const served = await h.router.observeSplit('shop');
    assert.deepEqual({ stable: served.stable, rules: served.rules }, { stable: 'v1', rules: [{ ...testers, conditions: [testersInlined(['u1', 'u2'])] }] });
    await h.store.services.save({ ...service, spec: { ...service.spec, routes: [testers, BETA_ROUTE] } }, service.version);
    await h.controller.reconcileOnce();
    assert.deepEqual((await h.router.observeSplit('shop')).rules?.map((r) => r.name), ['testers', 'beta']);
    const segment = await h.store.segments.get('internal-testers');
    assert.ok(segment);
    await h.store.segments.save({ ...segment, spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u9'] } }] } }, segment.version);
    await h.controller.reconcileOnce();
    assert.deepEqual((await h.router.observeSplit('shop')).rules?.[0]?.conditions, [testersInlined(['u9'])]);
    const calls = h.router.calls.length;
    await h.controller.reconcileOnce();
    assert.equal(h.router.calls.length, calls, 'an unchanged pass sets nothing');
  });
});

/** A data plane that accepts splits but silently drops their rules, like one without rule support. */
class RulelessRouter extends MemoryRouter {
  override async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    const { rules: _dropped, ...rest } = split;
    return super.setSplit(service, rest, signal);
  }
}

