import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_ROLLBACK_WINDOW_MS, ErrorCode, EventType, isSluiceError, Phase, type Revision, type Service } from '@sluice/domain';
import { parseResources } from '@sluice/spec';
import { harness, settle, T0, type Harness } from '../orchestrator/testing/fixtures.js';
import { readyBackends } from '../orchestrator/reconcile-service.js';
import { applyResources } from '../resources/apply-resources.js';
import { revisionStates, undoService, type UndoContext } from './service-commands.js';

const service = (extra = '', stable = 'v1', versions = ['v1', 'v2']) => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
${versions.map((v, i) => `    ${v}: { upstreams: ["http://127.0.0.1:${9001 + i}"] }`).join('\n')}
  stable: ${stable}
${extra}`;

const rollout = (name: string, target: string) => `---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: shop
  target: ${target}
  strategy: { canary: { steps: [ { setWeight: 100 } ] } }
`;

const HOUR = 3_600_000;

function apply(h: Harness, text: string, actor = 'alice') {
  return applyResources(h.store, parseResources(text, { file: 'shop.yaml' }), { dryRun: false, actor, now: h.clock.now() });
}

function ctx(h: Harness, actor = 'bob'): UndoContext {
  return { store: h.store, clock: h.clock, actor, readyBackends: (s: Service) => readyBackends(s, h.runtime) };
}

/** Runs rollout `name` to `target` (one setWeight: 100 step) through the controller until it succeeds. */
async function promote(h: Harness, name: string, target: string, extra = ''): Promise<void> {
  await apply(h, service(extra) + rollout(name, target));
  for (let i = 0; i < 20 && (await h.store.rollouts.get(name))?.status.phase !== Phase.Succeeded; i++) await h.controller.reconcileOnce();
  assert.equal((await h.store.rollouts.get(name))?.status.phase, Phase.Succeeded);
}

/** shop created (revision 1, v1), then rollout shop-v2 promoted v2 (revision 2), an hour later. */
async function promotedShop(extra = ''): Promise<Harness> {
  const h = harness();
  await apply(h, service(extra));
  await settle(h);
  h.clock.advance(HOUR);
  await promote(h, 'shop-v2', 'v2', extra);
  return h;
}

const brief = (r: Revision) => [r.number, r.stable, r.outcome, r.actor, r.rollout ?? '-', r.undoneTo ?? '-', r.createdAt - T0];

const rejectsWith = (code: ErrorCode, pattern: RegExp) => (error: unknown) => {
  assert.ok(isSluiceError(error), String(error));
  assert.equal(error.code, code, error.message);
  assert.match(error.message, pattern);
  return true;
};

describe('revisions', () => {
  test('creating a service records revision 1; a promotion records the next one in the same transaction', async () => {
    const h = await promotedShop();
    const revisions = await h.store.revisions.list('shop');
    assert.deepEqual(revisions.map(brief), [
      [1, 'v1', 'created', 'alice', '-', '-', 0],
      [2, 'v2', 'promoted', 'controller', 'shop-v2', '-', HOUR],
    ]);
    assert.deepEqual((await h.store.services.get('shop'))?.status, { stable: 'v2', revision: 2 });
    assert.equal(revisions[1]?.spec.versions['v2']?.kind, 'upstreams', 'the spec as it was is kept');
  });

  test('a declared stable that changes records an "applied" revision; an unchanged apply records none', async () => {
    const h = await promotedShop();
    await apply(h, service());
    await apply(h, service('', 'v2'), 'carol');
    assert.equal((await h.store.revisions.list('shop')).length, 2, 'declaring the version a promotion made stable changes nothing');
    await apply(h, service('', 'v3', ['v1', 'v2', 'v3']), 'carol');
    assert.deepEqual((await h.store.revisions.list('shop')).map(brief).slice(2), [[3, 'v3', 'applied', 'carol', '-', '-', HOUR]]);
  });

  test('rollbackWindow is read from the spec; the default is 7 days', async () => {
    const [parsed] = parseResources(service('  rollbackWindow: 24h\n'), { file: 'shop.yaml' });
    assert.equal(parsed?.kind === 'Service' ? parsed.spec.rollbackWindowMs : undefined, 24 * HOUR);
    const [plain] = parseResources(service(), { file: 'shop.yaml' });
    assert.equal(plain?.kind === 'Service' && 'rollbackWindowMs' in plain.spec, false);
    assert.equal(DEFAULT_ROLLBACK_WINDOW_MS, 7 * 24 * HOUR);
    assert.throws(() => parseResources(service('  rollbackWindow: 0s\n'), { file: 'shop.yaml' }), (e: unknown) =>
      isSluiceError(e) && e.problems.some((p) => p.path === 'spec.rollbackWindow' && p.line === 10 && /at least 1s, at most 720h/.test(p.expected ?? '')));
  });
});

describe('undo', () => {
  test('returns to the previous revision at once: new revision, StableChanged event, one data-plane update to 100 %', async () => {
    const h = await promotedShop();
    h.clock.advance(60_000);
    const calls = h.router.calls.length;
    const undone = await undoService(ctx(h), 'shop');
    assert.deepEqual(undone.status, { stable: 'v1', revision: 3 });
    const [, , third] = await h.store.revisions.list('shop');
    assert.ok(third);
    assert.deepEqual(brief(third), [3, 'v1', 'undone-to', 'bob', '-', 1, HOUR + 60_000]);
    const [event] = await h.store.events.list({ types: [EventType.StableChanged], afterSeq: 0, service: 'shop' }).then((e) => e.slice(-1));
    assert.deepEqual(
      { actor: event?.actor, subject: event?.subject, from: event?.from, to: event?.to, reason: event?.reason, data: event?.data },
      { actor: 'bob', subject: { kind: 'Service', name: 'shop' }, from: 'v2', to: 'v1', reason: 'undo to revision 1 by bob', data: { revision: 3, undoneTo: 1, before: { stable: 'v2', revision: 2 }, after: { stable: 'v1', revision: 3 } } },
    );
    await h.controller.reconcileOnce();
    const updates = h.router.calls.slice(calls);
    assert.deepEqual(updates.map((c) => [c.split.stable, c.split.canary, c.split.weight]), [['v1', undefined, 0]], 'one switch, no steps');
    assert.equal((await h.router.observeSplit('shop')).stable, 'v1');
  });

  test('undo again goes back to the revision before the current one; --to-revision picks any available one', async () => {
    const h = await promotedShop();
    await undoService(ctx(h), 'shop');
    const redo = await undoService(ctx(h), 'shop');
    assert.deepEqual(redo.status, { stable: 'v2', revision: 4 });
    const back = await undoService(ctx(h, 'dave'), 'shop', 1);
    assert.deepEqual(back.status, { stable: 'v1', revision: 5 });
    assert.deepEqual((await h.store.revisions.list('shop')).map((r) => [r.number, r.stable, r.undoneTo ?? '-']), [
      [1, 'v1', '-'], [2, 'v2', '-'], [3, 'v1', 1], [4, 'v2', 2], [5, 'v1', 1],
    ]);
  });

  test('refuses while a rollout of the service is active, naming it and how to go on', async () => {
    const h = await promotedShop();
    await apply(h, `${service()}---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v1-again }
spec: { service: shop, target: v1, strategy: { canary: { steps: [ { pause: {} } ] } } }
`);
    await assert.rejects(undoService(ctx(h), 'shop'), rejectsWith(ErrorCode.CONFLICT, /while rollout "shop-v1-again" is Pending: abort it \(sluice abort shop-v1-again\) or let it finish/));
    assert.deepEqual((await h.store.services.get('shop'))?.status, { stable: 'v2', revision: 2 });
    assert.equal((await h.store.revisions.list('shop')).length, 2);
  });

  test('refuses a version no longer declared, naming it and the declared ones', async () => {
    const h = await promotedShop();
    await apply(h, service('', 'v1', ['v2', 'v3']).replace('stable: v1', 'stable: v2'));
    await assert.rejects(undoService(ctx(h), 'shop', 1), rejectsWith(ErrorCode.CONFLICT, /revision 1: its version v1 is no longer declared in the service's spec.versions \(declared: v2, v3\)/));
  });

  test('refuses a revision that stopped being current longer ago than rollbackWindow, saying how long', async () => {
    const h = await promotedShop('  rollbackWindow: 24h\n');
    h.clock.advance(24 * HOUR);
    assert.equal(revisionStates((await h.store.services.get('shop')) as Service, await h.store.revisions.list('shop'), h.clock.now())[0]?.unavailable, undefined);
    h.clock.advance(1000);
    await assert.rejects(undoService(ctx(h), 'shop'), rejectsWith(ErrorCode.CONFLICT, /revision 1: it stopped being current 24h1s ago \(2026-01-01T01:00:00.000Z\), beyond the rollback window of 24h \(spec.rollbackWindow\)/));
  });

  test('refuses the current revision, one serving the current version, an unknown number, and a service without an earlier revision', async () => {
    const h = await promotedShop();
    await assert.rejects(undoService(ctx(h), 'shop', 2), rejectsWith(ErrorCode.CONFLICT, /revision 2: it is the current revision/));
    await undoService(ctx(h), 'shop');
    await assert.rejects(undoService(ctx(h), 'shop', 1), rejectsWith(ErrorCode.CONFLICT, /revision 1: it serves v1, which is already the stable version \(revision 3\)/));
    await assert.rejects(undoService(ctx(h), 'shop', 9), (e: unknown) =>
      rejectsWith(ErrorCode.INVALID_REQUEST, /has no revision 9: expected one of 1, 2, 3/)(e) && isSluiceError(e) && e.problems[0]?.path === 'toRevision');
    await assert.rejects(undoService(ctx(h), 'nope'), rejectsWith(ErrorCode.SERVICE_NOT_FOUND, /Service "nope" does not exist/));
    const fresh = harness();
    await apply(fresh, service());
    await assert.rejects(undoService(ctx(fresh), 'shop'), rejectsWith(ErrorCode.CONFLICT, /no revision before its current revision 1/));
  });

  test('refuses a version with no ready instance', async () => {
    const h = await promotedShop();
    const none: UndoContext = { ...ctx(h), readyBackends: () => ({ v1: [], v2: ['http://127.0.0.1:9002'] }) };
    await assert.rejects(undoService(none, 'shop'), rejectsWith(ErrorCode.CONFLICT, /version v1 has no ready instance/));
  });

  test('revisionStates marks the current revision and when each earlier one stopped being current', async () => {
    const h = await promotedShop();
    const states = revisionStates((await h.store.services.get('shop')) as Service, await h.store.revisions.list('shop'), h.clock.now());
    assert.deepEqual(states.map((s) => [s.revision.number, s.current, s.supersededAt === undefined ? '-' : s.supersededAt - T0, s.unavailable ?? 'available']), [
      [1, false, HOUR, 'available'],
      [2, true, '-', 'it is the current revision'],
    ]);
  });
});
