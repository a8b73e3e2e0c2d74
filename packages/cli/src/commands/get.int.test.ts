import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceView } from '../api-types.js';
import { rolloutView, serviceView, T0 } from '../testing/fixtures.js';
import { startFakeApi, type FakeApi } from '../testing/fake-api.js';
import { runCli } from '../testing/run-cli.js';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());
beforeEach(() => {
  api.state.services = [];
  api.state.segments = [];
  api.state.rollouts.clear();
});

describe('sluice get', () => {
  test('get segments prints each segment, its conditions and what uses it', async () => {
    api.state.segments = [
      {
        name: 'eu-mobile',
        version: 2,
        spec: { match: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-region', match: { exact: 'eu' } }], [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }]] }] },
        usedBy: { services: ['shop'], rollouts: ['shop-v2'] },
      },
      { name: 'testers', version: 1, spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }] }, usedBy: { services: [], rollouts: [] } },
    ];
    for (const kind of ['segments', 'seg']) {
      const { code, out } = await runCli(['get', kind], { url: api.url });
      assert.equal(code, 0);
      assert.deepEqual(out.split('\n'), [
        'NAME       MATCH                                                      USED BY',
        'eu-mobile  anyOf(header x-region exact "eu" | sourceCidr 10.0.0.0/8)  service/shop,rollout/shop-v2',
        'testers    header x-user-id in [u1, u2]                               -',
        '',
      ]);
    }
    const json = await runCli(['get', 'segments', '-o', 'json'], { url: api.url });
    assert.deepEqual(JSON.parse(json.out), { items: api.state.segments });
  });

  test('get segments with none says so on stderr', async () => {
    const { code, out, err } = await runCli(['get', 'segments'], { url: api.url });
    assert.equal(code, 0);
    assert.equal(out, '');
    assert.match(err, /No segments found/);
  });

  test('get rollouts prints a table with step, weight and age', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const done = rolloutView({ phase: 'Succeeded', stepIndex: 5, canaryWeight: 100, createdAt: T0 - 3 * 3_600_000 }, { name: 'cart-v3' });
    api.state.rollouts.set('cart-v3', [{ ...done, spec: { ...done.spec, service: 'cart', target: 'v3' } }]);
    const { code, out } = await runCli(['get', 'rollouts'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      'NAME     SERVICE  TARGET  PHASE      STEP  WEIGHT  AGE',
      'shop-v2  shop     v2      Paused     2/5   20%     90s',
      'cart-v3  cart     v3      Succeeded  5/5   100%    3h',
      '',
    ]);
  });

  test('get accepts the singular and short kind names', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    for (const kind of ['rollout', 'ro', 'ROLLOUTS']) {
      const { code, out } = await runCli(['get', kind], { url: api.url });
      assert.equal(code, 0, kind);
      assert.match(out, /^shop-v2 /m, kind);
    }
  });

  test('get services prints listen, hosts, stable, versions, rollout and the observed traffic split', async () => {
    const base = serviceView({ name: 'cart' });
    const idle: ServiceView = {
      ...base,
      spec: { ...base.spec, hosts: ['cart.example.com', '*.cart.example.com'] },
      traffic: { stable: 'v1', weight: 0, salt: '', generation: 1, address: '127.0.0.1:8081' },
    };
    const { activeRollout: _none, ...withoutRollout } = idle;
    api.state.services = [serviceView(), withoutRollout];
    const { code, out } = await runCli(['get', 'svc'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      'NAME  LISTEN          HOSTS                                STABLE  VERSIONS  ROLLOUT  TRAFFIC',
      'shop  127.0.0.1:8080  *                                    v1      v1,v2     shop-v2  v1 80% / v2 20%',
      'cart  127.0.0.1:8081  cart.example.com,*.cart.example.com  v1      v1,v2     -        v1 100%',
      '',
    ]);
  });

  test('get -o json prints the items as the API returns them', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const { code, out } = await runCli(['get', 'ro', '-o', 'json'], { url: api.url });
    assert.equal(code, 0);
    const parsed = JSON.parse(out) as { items: { name: string; status: { canaryWeight: number } }[] };
    assert.equal(parsed.items[0]?.name, 'shop-v2');
    assert.equal(parsed.items[0]?.status.canaryWeight, 20);
  });

  test('get with nothing to list says so on stderr and keeps stdout empty', async () => {
    const { code, out, err } = await runCli(['get', 'services'], { url: api.url });
    assert.equal(code, 0);
    assert.equal(out, '');
    assert.equal(err, 'No services found.\n');
  });

  test('get rollouts --service filters on the server', async () => {
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    const { out } = await runCli(['get', 'rollouts', '--service', 'cart'], { url: api.url });
    assert.equal(out, '');
    assert.equal(api.requests.at(-1)?.url, '/api/v1/rollouts?service=cart');
  });
});
