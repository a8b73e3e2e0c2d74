import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from '../../http/testing/api-server.js';
import { clientRegistrationsOf } from './unleash-metrics.js';

const TOKEN = 'prod-token-0123456789abcdef';
const STAGING_TOKEN = 'staging-token-0123456789abcdef';
const SPEC = '5.2.0';

const flag = (name: string, body: string) => `apiVersion: sluice.dev/v1\nkind: Flag\nmetadata: { name: ${name} }\nspec:\n${body}`;
const SEGMENT = `apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: pro-users }
spec:
  match:
    - { header: plan, in: [pro] }
`;
const ONE = flag('one', '  environments:\n    production: { enabled: true, default: { rollout: 30 } }\n');
const TWO = flag('two', '  environments:\n    production:\n      enabled: true\n      rules:\n        - { segments: [pro-users], rollout: 100 }\n');
const docs = (...texts: string[]) => texts.join('---\n');

describe('Unleash client API', () => {
  let api: TestApi;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}/api/client${path}`, { headers });
  const post = (path: string, body: string, headers: Record<string, string> = { authorization: TOKEN }) =>
    fetch(`${api.url}/api/client${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  before(async () => {
    api = await startTestApi({ flagTokens: [{ environment: 'production', token: TOKEN }, { environment: 'staging', token: STAGING_TOKEN }] });
    const applied = await api.call('/apply', { method: 'POST', body: docs(SEGMENT, ONE, TWO) });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
  });
  after(() => api.close());

  test('every route answers 401 JSON without a known token', async () => {
    for (const headers of [{}, { authorization: 'not-a-token-at-all-xx' }, { authorization: `Bearer ${TOKEN}x` }]) {
      const res = await get('/features', headers);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    }
    assert.equal((await get('/streaming')).status, 401);
    assert.equal((await post('/metrics', '{}', {})).status, 401);
    assert.equal((await post('/register', '{}', {})).status, 401);
  });

  test('GET /features answers the token environment, segments as a list, and an ETag', async () => {
    const res = await get('/features', { authorization: TOKEN, 'unleash-client-spec': SPEC });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.version, 2);
    assert.deepEqual(body.features.map((f: any) => [f.name, f.enabled]), [['one', true], ['two', true]]);
    assert.equal(body.features[0].strategies[0].parameters.rollout, '30');
    assert.equal(body.segments.length, 1);
    assert.deepEqual(body.segments[0].constraints.map((c: any) => [c.contextName, c.operator, c.values]), [['plan', 'IN', ['pro']]]);
    assert.deepEqual(body.features[1].strategies[0].segments, [body.segments[0].id]);
    assert.equal(body.query.environment, 'production');
    assert.equal(res.headers.get('etag'), body.meta.etag);
    assert.equal(body.meta.revisionId, await api.store.flags.latestSeq());

    const bearer = await get('/features', { authorization: `Bearer ${STAGING_TOKEN}`, 'unleash-client-spec': SPEC });
    const staging = (await bearer.json()) as any;
    assert.deepEqual(staging.features.map((f: any) => f.enabled), [false, false]);
    assert.notEqual(bearer.headers.get('etag'), res.headers.get('etag'));
  });

  test('If-None-Match: 304 while unchanged, 200 with a new ETag after a change', async () => {
    const first = await get('/features', { authorization: TOKEN, 'unleash-client-spec': SPEC });
    const etag = first.headers.get('etag') ?? '';
    const again = await get('/features', { authorization: TOKEN, 'unleash-client-spec': SPEC, 'if-none-match': etag });
    assert.equal(again.status, 304);
    await api.call('/apply', { method: 'POST', body: ONE.replace('rollout: 30', 'rollout: 40') });
    const changed = await get('/features', { authorization: TOKEN, 'unleash-client-spec': SPEC, 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.equal(((await changed.json()) as any).features[0].strategies[0].parameters.rollout, '40');
  });

  test('old SDKs (no Unleash-Client-Spec, or < 4.2) get segment constraints inlined', async () => {
    for (const headers of [{ authorization: TOKEN }, { authorization: TOKEN, 'unleash-client-spec': '4.1.0' }]) {
      const body = (await (await get('/features', headers)).json()) as any;
      assert.equal(body.segments, undefined);
      const strategy = body.features[1].strategies[0];
      assert.deepEqual(strategy.segments, []);
      assert.deepEqual(strategy.constraints.map((c: any) => [c.contextName, c.values]), [['plan', ['pro']]]);
    }
  });

  test('namePrefix and project filter the features', async () => {
    const byPrefix = (await (await get('/features?namePrefix=tw', { authorization: TOKEN, 'unleash-client-spec': SPEC })).json()) as any;
    assert.deepEqual(byPrefix.features.map((f: any) => f.name), ['two']);
    const other = (await (await get('/features?project=other', { authorization: TOKEN, 'unleash-client-spec': SPEC })).json()) as any;
    assert.deepEqual(other.features, []);
  });

  test('POST /metrics adds yes+no of known flags to the token environment', async () => {
    api.clock.set(Date.parse('2026-01-01T01:00:00Z'));
    const body = { appName: 'a', instanceId: 'i', bucket: { start: '2026-01-01T00:00:00Z', stop: '2026-01-01T00:01:00Z', toggles: { one: { yes: 3, no: 4, variants: { x: 1 } }, nope: { yes: 1, no: 0 } } } };
    const res = await post('/metrics', JSON.stringify(body));
    assert.equal(res.status, 202);
    assert.deepEqual(await api.store.flags.usage(), [{ flag: 'one', environment: 'production', evaluations: 7, lastEvaluatedAt: Date.parse('2026-01-01T00:01:00Z') }]);
    // A bucket dated in the future counts, but as of now.
    const future = { ...body, bucket: { ...body.bucket, stop: '2030-01-01T00:00:00Z', toggles: { one: { yes: 1, no: 0 } } } };
    assert.equal((await post('/metrics', JSON.stringify(future))).status, 202);
    assert.deepEqual(await api.store.flags.usage(), [{ flag: 'one', environment: 'production', evaluations: 8, lastEvaluatedAt: api.clock.now() }]);
  });

  test('bad metrics are 400 naming the JSON path; oversized bodies 413', async () => {
    const bucket = (toggles: unknown) => JSON.stringify({ appName: 'a', bucket: { start: '2026-01-01T00:00:00Z', stop: '2026-01-01T00:01:00Z', toggles } });
    const cases: [string, string][] = [
      ['not json', '$'],
      ['[]', '$'],
      [JSON.stringify({ bucket: {} }), '$.appName'],
      [JSON.stringify({ appName: 'a' }), '$.bucket'],
      [JSON.stringify({ appName: 'a', bucket: { start: 'x', stop: 'y', toggles: {} } }), '$.bucket.start'],
      [bucket({ one: { yes: -1, no: 0 } }), '$.bucket.toggles["one"].yes'],
      [bucket({ one: { yes: 1.5, no: 0 } }), '$.bucket.toggles["one"].yes'],
      [bucket({ one: { yes: 1, no: '2' } }), '$.bucket.toggles["one"].no'],
      [bucket({ one: { yes: 1, no: 2, variants: { v: -3 } } }), '$.bucket.toggles["one"].variants["v"]'],
      [bucket(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`f${i}`, { yes: 1, no: 0 }]))), '$.bucket.toggles'],
    ];
    for (const [text, path] of cases) {
      const res = await post('/metrics', text);
      assert.equal(res.status, 400, text.slice(0, 60));
      const error = ((await res.json()) as any).error;
      assert.equal(error.details.problems[0].path, path, text.slice(0, 60));
    }
    const huge = await post('/metrics', JSON.stringify({ appName: 'a', pad: 'x'.repeat(1024 * 1024) }));
    assert.equal(huge.status, 413);
  });

  test('POST /register records the instance for its environment', async () => {
    const res = await post('/register', JSON.stringify({ appName: 'shop', instanceId: 'pod-1', sdkVersion: 'unleash-node-sdk:6.12.2', strategies: ['default', 'flexibleRollout'], started: '2026-01-01T00:00:00Z', interval: 60000 }));
    assert.equal(res.status, 202);
    const [registration] = clientRegistrationsOf(api.store).list().filter((r) => r.appName === 'shop');
    assert.equal(registration?.environment, 'production');
    assert.deepEqual(registration?.strategies, ['default', 'flexibleRollout']);
    assert.equal(registration?.interval, 60000);
    const bad = await post('/register', JSON.stringify({ appName: 'shop', strategies: 'default' }));
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.details.problems[0].path, '$.strategies');
  });
});
