import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, variantAssigner, type ExperimentCounts } from '@sluice/domain';
import { T0 } from '../orchestrator/testing/fixtures.js';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';

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

const EXPERIMENT = `---
apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: new-checkout }
spec:
  service: shop
  variants:
    - { name: control, weight: 50, version: v1 }
    - { name: treatment, weight: 50, version: v2 }
  control: control
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase, minimumDetectableEffect: 0.3 }
  guardrails:
    - { name: order-value, event: checkout, kind: mean, direction: increase }
`;

const FLAGS = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: button }
spec:
  variants:
    - { name: blue, weight: 50, flag: button, variation: blue }
    - { name: green, weight: 50, flag: button, variation: green }
  control: blue
  primary: { name: click, event: click, kind: conversion, direction: increase }
`;

const ROLLOUT = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec: { service: shop, target: v2, strategy: { canary: { steps: [{ setWeight: 10 }] } } }
`;

const post = (api: TestApi, path: string, body: unknown, actor = 'bob') =>
  api.call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), actor });

async function withApi(text: string, body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    const applied = await post(api, '/apply', text, 'alice');
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    await body(api);
  } finally {
    await api.close();
  }
}

const assign = variantAssigner({ name: 'new-checkout', control: 'control', variants: [{ name: 'control', weight: 50 }, { name: 'treatment', weight: 50 }] });
const usersIn = (variant: string, n: number): string[] => Array.from({ length: 4 * n + 100 }, (_, i) => `u${i}`).filter((k) => assign(k) === variant).slice(0, n);

/** Counts giving treatment a clear win on purchase: 10 % vs 13 % of 5,000 users each. */
const WINNING: ExperimentCounts = {
  exposures: { control: 5000, treatment: 5000 },
  conversions: { purchase: { control: 500, treatment: 650 } },
  values: {},
  droppedExposures: 0,
};

const problemOf = (body: any) => ({ code: body.error.code, paths: (body.error.details.problems ?? []).map((p: any) => p.path) });

describe('experiments over HTTP', () => {
  test('apply starts an experiment: GET lists it Running with its bucket ranges and an empty report', () =>
    withApi(SERVICE + EXPERIMENT, async (api) => {
      const { status, body } = await api.call('/experiments');
      assert.equal(status, 200);
      assert.deepEqual(body.items.map((e: any) => [e.name, e.status.phase, e.status.startedAt, e.users]), [['new-checkout', 'Running', T0, 0]]);
      const one = (await api.call('/experiments/new-checkout')).body;
      assert.deepEqual(one.allocation, [{ variant: 'treatment', weight: 50, from: 0, to: 5000 }, { variant: 'control', weight: 50, from: 5000, to: 10_000 }]);
      assert.equal(one.report.result, 'inconclusive');
      assert.deepEqual(one.report.variants.map((v: any) => v.exposures), [0, 0]);
      const history = (await api.call('/services/shop/history')).body.items;
      assert.match(history.at(-1).reason, /Experiment new-checkout started: control \(v1\) 50% \/ treatment \(v2\) 50%/);
      const again = await post(api, '/apply', SERVICE + EXPERIMENT);
      assert.deepEqual(again.body.results.map((r: any) => [r.kind, r.action]), [['Service', 'unchanged'], ['Experiment', 'unchanged']]);
    }));

  test('POST /events counts exposures per assigned variant, conversions once per exposed user, values per event', () =>
    withApi(SERVICE + EXPERIMENT, async (api) => {
      const [c1, c2] = usersIn('control', 2) as [string, string];
      const [t1] = usersIn('treatment', 1) as [string];
      const events = [
        { key: c1, event: '$exposure', experiment: 'new-checkout' }, { key: c2, event: '$exposure', experiment: 'new-checkout' },
        { key: t1, event: '$exposure', experiment: 'new-checkout', at: '2026-01-01T00:00:01Z' },
        { key: c1, event: 'checkout', value: 20 }, { key: c1, event: 'checkout', value: 40 }, { key: 'stranger', event: 'checkout', value: 1 },
        { key: t1, event: 'checkout', value: 30, at: T0 + 5 }, { key: c2, event: 'unrelated' },
      ];
      const { status, body } = await post(api, '/events', { events });
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body, { received: 8, experiments: { 'new-checkout': { exposures: 3, conversions: 2, values: 3, duplicates: 1, notExposed: 1, beforeStart: 0, missingValue: 0, dropped: 0 } } });
      const report = (await api.call('/experiments/new-checkout')).body.report;
      const row = (metric: string, variant: string) => report.rows.find((r: any) => r.metric === metric && r.variant === variant);
      assert.deepEqual([row('purchase', 'control').n, row('purchase', 'control').value], [2, 0.5]);
      assert.deepEqual([row('purchase', 'treatment').n, row('purchase', 'treatment').value], [1, 1]);
      assert.deepEqual([row('order-value', 'control').n, row('order-value', 'control').value], [2, 30]);
    }));

  test('bad event bodies are 400 INVALID_REQUEST with JSON paths, never 5xx, and count nothing', () =>
    withApi(SERVICE + EXPERIMENT, async (api) => {
      const cases: [unknown, string[]][] = [
        ['{not json', ['$']], ['null', ['$']], ['[]', ['$']], [{}, ['$.events']], [{ events: [] }, ['$.events']], [{ events: null }, ['$.events']],
        [{ events: [1, 'x'] }, ['$.events[0]', '$.events[1]']], [{ events: [{ key: 'a' }] }, ['$.events[0].event']],
        [{ events: [{ key: '', event: 'checkout' }] }, ['$.events[0].key']], [{ events: [{ key: 'a', event: 'checkout', value: 'x' }] }, ['$.events[0].value']], [{ events: [{ key: 'a', event: 'checkout', value: 1e200 }] }, ['$.events[0].value']],
        [{ events: [{ key: 'a', event: '$exposure' }] }, ['$.events[0].experiment']], [{ events: [{ key: 'a', event: 'checkout', experiment: 'x' }] }, ['$.events[0].experiment']],
        [{ events: [{ key: 'a', event: 'check out' }] }, ['$.events[0].event']], [{ events: [{ key: 'a', event: 'checkout', at: 'yesterday' }] }, ['$.events[0].at']],
        [{ events: [{ key: 'a', event: 'checkout', user: 'a' }] }, ['$.events[0].user']], [{ events: [{ key: 'a', event: 'x' }], extra: 1 }, ['$.extra']],
        [{ events: Array.from({ length: 1001 }, () => ({ key: 'a', event: 'x' })) }, ['$.events']],
      ];
      for (const [body, paths] of cases) {
        const answer = await post(api, '/events', body);
        assert.equal(answer.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${answer.status}`);
        assert.deepEqual(problemOf(answer.body), { code: 'INVALID_REQUEST', paths }, JSON.stringify(body).slice(0, 80));
      }
      const [c1] = usersIn('control', 1) as [string];
      const mixed = await post(api, '/events', { events: [{ key: c1, event: '$exposure', experiment: 'new-checkout' }, { key: c1, event: 'checkout', value: Infinity }] });
      assert.equal(mixed.status, 400);
      assert.equal((await api.call('/experiments/new-checkout')).body.users, 0, 'a rejected batch counts nothing');
      const huge = await post(api, '/events', JSON.stringify({ events: [{ key: 'a'.repeat(1024 * 1024), event: 'x' }] }));
      assert.deepEqual([huge.status, huge.body.error.code], [413, 'PAYLOAD_TOO_LARGE']);
    }));

  test('an experiment and a rollout of one service exclude each other; a changed spec is immutable; undo waits', () =>
    withApi(SERVICE + EXPERIMENT, async (api) => {
      const rollout = await post(api, '/apply', ROLLOUT);
      assert.equal(rollout.status, 409);
      assert.equal(rollout.body.error.code, 'CONFLICT');
      assert.match(rollout.body.error.details.problems[0].message, /service "shop" runs experiment "new-checkout", which owns its traffic split/);
      const second = await post(api, '/apply', EXPERIMENT.replace('name: new-checkout', 'name: other'));
      assert.deepEqual([second.status, second.body.error.code], [409, 'CONFLICT']);
      assert.match(second.body.error.details.problems[0].message, /already runs experiment "new-checkout"/);
      const changed = await post(api, '/apply', EXPERIMENT.replace('minimumDetectableEffect: 0.3', 'minimumDetectableEffect: 0.2'));
      assert.deepEqual([changed.status, changed.body.error.code], [409, 'IMMUTABLE_FIELD']);
      const stable = await post(api, '/apply', SERVICE.replace('stable: v1', 'stable: v2'));
      assert.deepEqual([stable.status, stable.body.error.code], [409, 'CONFLICT']);
      const undo = await post(api, '/services/shop/undo', {});
      assert.deepEqual([undo.status, undo.body.error.code], [409, 'CONFLICT']);
    }));

  test('an experiment cannot start on a service with an active rollout', async () => {
    const api = await startTestApi();
    try {
      assert.equal((await post(api, '/apply', `${SERVICE}---\n${ROLLOUT}`)).status, 200);
      const refused = await post(api, '/apply', EXPERIMENT);
      assert.deepEqual([refused.status, refused.body.error.code], [409, 'CONFLICT']);
      assert.match(refused.body.error.details.problems[0].message, /service "shop" has an active rollout \(shop-v2\)/);
      assert.equal(refused.body.error.details.problems[0].line, 6);
      assert.deepEqual((await api.call('/experiments')).body.items, []);
    } finally {
      await api.close();
    }
  });

  test('stop ends the counting; a second stop is INVALID_TRANSITION; unknown experiments are 404', () =>
    withApi(SERVICE + EXPERIMENT, async (api) => {
      const stopped = await post(api, '/experiments/new-checkout/stop', { reason: 'enough' }, 'carol');
      assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
      assert.deepEqual([stopped.body.status.phase, stopped.body.status.endedBy, stopped.body.status.reason, stopped.body.status.result.result], ['Stopped', 'carol', 'enough', 'inconclusive']);
      const [c1] = usersIn('control', 1) as [string];
      const events = await post(api, '/events', { events: [{ key: c1, event: '$exposure', experiment: 'new-checkout' }] });
      assert.deepEqual(events.body, { received: 1, experiments: {} });
      const again = await post(api, '/experiments/new-checkout/stop', {});
      assert.deepEqual([again.status, again.body.error.code], [409, 'INVALID_TRANSITION']);
      assert.deepEqual([(await api.call('/experiments/nope')).status, (await api.call('/experiments/nope')).body.error.code], [404, 'NOT_FOUND']);
      assert.equal((await post(api, '/experiments/nope/stop', {})).status, 404);
      assert.equal((await api.call('/experiments?phase=weird')).status, 400);
      assert.deepEqual((await api.call('/experiments?phase=running')).body.items, []);
    }));

  test('promote needs the winner (or force); the winning version becomes stable with a revision and an event', () =>
    withApi(SERVICE + EXPERIMENT, async (api) => {
      const early = await post(api, '/experiments/new-checkout/promote', {});
      assert.deepEqual([early.status, early.body.error.code], [409, 'CONFLICT']);
      assert.match(early.body.error.message, /has no winner to promote \(result: inconclusive/);
      await api.store.experiments.saveCounts('new-checkout', WINNING);
      const report = (await api.call('/experiments/new-checkout')).body.report;
      assert.deepEqual([report.result, report.winner], ['winner', 'treatment']);
      const control = await post(api, '/experiments/new-checkout/promote', { variant: 'control' });
      assert.deepEqual([control.status, control.body.error.code], [409, 'CONFLICT']);
      const bad = await post(api, '/experiments/new-checkout/promote', { variant: 'nope', force: true });
      assert.deepEqual(problemOf(bad.body), { code: 'INVALID_REQUEST', paths: ['$.variant'] });
      const promoted = await post(api, '/experiments/new-checkout/promote', {}, 'dave');
      assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
      assert.deepEqual(promoted.body.status.promoted, { variant: 'treatment', version: 'v2', forced: false });
      assert.equal(promoted.body.status.phase, 'Promoted');
      const shop = (await api.call('/services/shop')).body;
      assert.deepEqual([shop.status.stable, shop.status.revision], ['v2', 2]);
      const revisions = (await api.call('/services/shop/revisions')).body.items;
      assert.deepEqual(revisions.map((r: any) => [r.number, r.stable, r.outcome, r.actor, r.experiment ?? '-']), [[1, 'v1', 'created', 'alice', '-'], [2, 'v2', 'promoted', 'dave', 'new-checkout']]);
      const last = (await api.call('/services/shop/history')).body.items.at(-1);
      assert.deepEqual([last.type, last.from, last.to, last.data.experiment], [EventType.StableChanged, 'v1', 'v2', 'new-checkout']);
      const twice = await post(api, '/experiments/new-checkout/promote', { force: true, variant: 'control' });
      assert.deepEqual([twice.status, twice.body.error.code], [409, 'INVALID_TRANSITION']);
    }));

  test('the OpenAPI document describes the experiment routes and POST /events', () =>
    withApi(SERVICE, async (api) => {
      const doc = (await api.call('/openapi.json')).body;
      for (const path of ['/experiments', '/experiments/{name}', '/experiments/{name}/stop', '/experiments/{name}/promote']) assert.ok(doc.paths[path], path);
      assert.ok(doc.paths['/events'].post && doc.paths['/events'].get);
      assert.ok(doc.components.schemas.ExperimentView);
    }));

  test('a forced promotion of a flag experiment records the variant and touches no service', () =>
    withApi(SERVICE + '---\n' + FLAGS, async (api) => {
      const refused = await post(api, '/experiments/button/promote', { variant: 'green' });
      assert.deepEqual([refused.status, refused.body.error.code], [409, 'CONFLICT']);
      const forced = await post(api, '/experiments/button/promote', { variant: 'green', force: true });
      assert.equal(forced.status, 200, JSON.stringify(forced.body));
      assert.deepEqual(forced.body.status.promoted, { variant: 'green', forced: true });
      assert.equal((await api.call('/services/shop')).body.status.stable, 'v1');
    }));
});
