import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';

const TOKEN = 'staging-token-0123456789abcdef';

const FLAGS = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: banner }
spec:
  kind: experiment
  type: string
  variants:
    - { name: red, value: "#f00", weight: 50 }
    - { name: blue, value: "#00f", weight: 50 }
  environments:
    production:
      enabled: true
      overrides: [ { values: [alice], variant: blue } ]
      default: { rollout: 25 }
    staging: { enabled: true }
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: search-v2 }
spec:
  kind: release
  prerequisites: [ { flag: banner } ]
  environments:
    production: { enabled: true }
`;

describe('flag API', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ flagTokens: [{ environment: 'staging', token: TOKEN }] });
    const applied = await api.call('/apply', { method: 'POST', body: FLAGS, actor: 'alice' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
  });
  after(() => api.close());

  test('list and get show each environment at a glance', async () => {
    const list = await api.call('/flags');
    assert.deepEqual(list.body.items.map((f: { name: string }) => f.name), ['banner', 'search-v2']);
    const banner = await api.call('/flags/banner');
    assert.deepEqual(banner.body.environments.production, { enabled: true, rollout: 25, rules: 0, overrides: 1 });
    assert.equal((await api.call('/flags/nope')).status, 404);
  });

  test('evaluate: one flag, a bulk of all flags over one snapshot, overrides and prerequisites', async () => {
    const alice = await api.call('/flags/evaluate', { method: 'POST', body: JSON.stringify({ environment: 'production', flag: 'banner', context: { userId: 'alice' } }) });
    assert.equal(alice.status, 200);
    assert.equal(alice.body.value, '#00f');
    assert.equal(alice.body.reason, 'TARGETING_MATCH');
    const bulk = await api.call('/flags/evaluate', { method: 'POST', body: JSON.stringify({ environment: 'production', context: { userId: 'alice' } }) });
    assert.deepEqual(bulk.body.results.map((r: { flag: string; enabled: boolean }) => [r.flag, r.enabled]), [['banner', true], ['search-v2', true]]);
    const missing = await api.call('/flags/evaluate', { method: 'POST', body: JSON.stringify({ environment: 'production', flag: 'nope' }) });
    assert.equal(missing.body.errorCode, 'FLAG_NOT_FOUND');
    let on = 0;
    for (let i = 0; i < 400; i++) {
      const r = await api.call('/flags/evaluate', { method: 'POST', body: JSON.stringify({ environment: 'production', flag: 'banner', context: { userId: `u${i}` } }) });
      if (r.body.enabled) on++;
    }
    assert.ok(on > 60 && on < 140, `25 % rollout: ${on} of 400`);
  });

  test('bad evaluation requests are 400s that name the field', async () => {
    const bad = await api.call('/flags/evaluate', { method: 'POST', body: JSON.stringify({ environment: 'production', context: { userId: { nested: 1 } }, extra: 1 }) });
    assert.equal(bad.status, 400);
    const paths = bad.body.error.details.problems.map((p: { path: string }) => p.path);
    assert.deepEqual(paths.sort(), ['$.context.userId', '$.extra']);
    const noEnv = await api.call('/flags/evaluate', { method: 'POST', body: JSON.stringify({ flag: 'banner' }) });
    assert.equal(noEnv.status, 400);
    assert.equal(noEnv.body.error.details.problems[0].path, '?environment');
  });

  test('a client token reads only its environment', async () => {
    const url = `${api.url}/api/v1/flags/state`;
    const ok = await fetch(`${url}?environment=staging`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { environment: string };
    assert.equal(body.environment, 'staging');
    const other = await fetch(`${url}?environment=production`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(other.status, 403);
    const wrong = await fetch(`${url}?environment=staging`, { headers: { authorization: 'Bearer not-a-real-token-at-all' } });
    assert.equal(wrong.status, 403);
    const again = await fetch(`${url}?environment=staging`, { headers: { authorization: `Bearer ${TOKEN}`, 'if-none-match': ok.headers.get('etag') ?? '' } });
    assert.equal(again.status, 304);
  });

  test('turn on, ramp, kill and restore: each a version with its actor and reason', async () => {
    const ramp = await api.call('/flags/banner/environments/production', { method: 'POST', body: JSON.stringify({ rollout: 0.5 }), actor: 'bob' });
    assert.equal(ramp.status, 200, JSON.stringify(ramp.body));
    assert.equal(ramp.body.environments.production.rollout, 0.5);
    const killed = await api.call('/flags/banner/kill', { method: 'POST', body: JSON.stringify({ reason: 'incident 42' }), actor: 'carol' });
    assert.deepEqual(Object.values(killed.body.environments).map((e: any) => e.enabled), [false, false]);
    const history = await api.call('/flags/banner/history');
    assert.deepEqual(history.body.items.map((r: any) => [r.version, r.change.actor, r.change.reason]), [
      [3, 'carol', 'incident 42'],
      [2, 'bob', 'set rollout 0.5%'],
      [1, 'alice', 'created from <body>'],
    ]);
    const restored = await api.call('/flags/banner/restore', { method: 'POST', body: JSON.stringify({ version: 1 }), actor: 'dave' });
    assert.equal(restored.body.version, 4);
    assert.deepEqual(restored.body.environments.production, { enabled: true, rollout: 25, rules: 0, overrides: 1 });
    assert.equal((await api.call('/flags/banner/restore', { method: 'POST', body: JSON.stringify({ version: 99 }) })).status, 404);
  });

  test('a change that would break the flag is refused and nothing is saved', async () => {
    const before = (await api.call('/flags/banner')).body.version;
    const bad = await api.call('/flags/banner/environments/production', { method: 'POST', body: JSON.stringify({ variantWeights: { red: 10, green: 90 } }) });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.error.details.problems), /unknown variant \\"green\\"/);
    const range = await api.call('/flags/banner/environments/production', { method: 'POST', body: JSON.stringify({ rollout: 100.5 }) });
    assert.equal(range.status, 400);
    assert.equal(range.body.error.details.problems[0].path, '$.rollout');
    assert.equal((await api.call('/flags/banner')).body.version, before);
  });

  test('a prerequisite cycle is refused at apply with the file position', async () => {
    const cycle = FLAGS.replace('kind: experiment\n', 'kind: experiment\n  prerequisites: [ { flag: search-v2 } ]\n');
    const res = await api.call('/apply', { method: 'POST', body: cycle });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body.error.details.problems), /cycle: banner → search-v2 → banner/);
  });

  test('SDK metrics count evaluations; unused flags show in the stale report', async () => {
    const sent = await fetch(`${api.url}/api/v1/flags/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ environment: 'production', appName: 'web', toggles: { banner: { yes: 7, no: 3 } } }) });
    assert.equal(sent.status, 202);
    const usage = await api.store.flags.usage();
    assert.deepEqual(usage.map((u) => [u.flag, u.environment, u.evaluations]), [['banner', 'production', 10]]);
    api.clock.advance(41 * 24 * 3600 * 1000);
    const stale = await api.call('/flags/stale');
    assert.deepEqual(stale.body.items.map((s: any) => [s.flag, s.reasons]), [['banner', ['unused']], ['search-v2', ['fully-on', 'unused']]]);
    assert.match(stale.body.items[1].hint, /delete the old path/);
  });
});
