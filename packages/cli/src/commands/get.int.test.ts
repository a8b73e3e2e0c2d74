import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { JudgeSpec } from '@sluice/domain';
import type { AnalysisTemplateView, ServiceView } from '../api-types.js';
import { rolloutView, serviceView, T0 } from '../testing/fixtures.js';
import { startFakeApi, type FakeApi } from '../testing/fake-api.js';
import { runCli } from '../testing/run-cli.js';

type Metric = AnalysisTemplateView['spec']['metrics'][number];

const metric = (name: string, judge: JudgeSpec = { kind: 'threshold', successCondition: 'result < 0.01' }): Metric => ({
  name,
  provider: { kind: 'builtin' },
  query: 'error-rate',
  judge,
  timeoutMs: 10_000,
  retries: 2,
  intervalMs: 10_000,
  gate: { count: 0, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 },
});

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());
beforeEach(() => {
  api.state.services = [];
  api.state.segments = [];
  api.state.analysisTemplates = [];
  api.requests.length = 0;
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

  test('get analysistemplates prints each template, its metrics, arguments and the rollouts using it', async () => {
    api.state.analysisTemplates = [
      {
        name: 'latency',
        version: 1,
        spec: { args: [], metrics: [{ ...metric('p99'), provider: { kind: 'prometheus', address: 'http://127.0.0.1:9090' } }] },
        usedBy: { rollouts: [] },
      },
      {
        name: 'success-rate',
        version: 3,
        spec: {
          args: [{ name: 'service' }, { name: 'threshold', value: '0.01' }],
          metrics: [metric('error-rate', { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: {} }), metric('5xx')],
        },
        usedBy: { rollouts: ['shop-v2', 'cart-v3'] },
      },
    ];
    for (const kind of ['analysistemplates', 'analysistemplate', 'at']) {
      const { code, out } = await runCli(['get', kind], { url: api.url });
      assert.equal(code, 0, kind);
      assert.deepEqual(out.split('\n'), [
        'NAME          METRICS                                                    ARGS                    USED BY',
        'latency       p99 (threshold, prometheus)                                -                       -',
        'success-rate  error-rate (errorRate, builtin), 5xx (threshold, builtin)  service,threshold=0.01  rollout/shop-v2,rollout/cart-v3',
        '',
      ]);
    }
    const json = await runCli(['get', 'analysistemplates', '-o', 'json'], { url: api.url });
    assert.deepEqual(JSON.parse(json.out), { items: api.state.analysisTemplates });
  });

  test('get analysistemplates NAME shows that one; -o json prints it; an unknown name exits 1', async () => {
    api.state.analysisTemplates = [{ name: 'latency', version: 1, spec: { args: [], metrics: [metric('p99')] }, usedBy: { rollouts: ['shop-v2'] } }];
    const one = await runCli(['get', 'at', 'latency'], { url: api.url });
    assert.equal(one.code, 0);
    assert.deepEqual(one.out.split('\n'), ['NAME     METRICS                   ARGS  USED BY', 'latency  p99 (threshold, builtin)  -     rollout/shop-v2', '']);
    assert.equal(api.requests.at(-1)?.url, '/api/v1/analysistemplates/latency');
    const json = await runCli(['get', 'analysistemplates', 'latency', '-o', 'json'], { url: api.url });
    assert.deepEqual(JSON.parse(json.out), api.state.analysisTemplates[0]);
    const missing = await runCli(['get', 'at', 'nobody'], { url: api.url });
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'error: analysistemplates "nobody" does not exist\n');
    api.state.analysisTemplates = [];
    const none = await runCli(['get', 'at'], { url: api.url });
    assert.equal(none.err, 'No analysis templates found.\n');
  });

  test('get KIND NAME shows one service, rollout or segment', async () => {
    api.state.services = [serviceView()];
    api.state.rollouts.set('shop-v2', [rolloutView()]);
    api.state.segments = [{ name: 'testers', version: 1, spec: { match: [{ kind: 'method', methods: ['GET'] }] }, usedBy: { services: [], rollouts: [] } }];
    assert.match((await runCli(['get', 'svc', 'shop'], { url: api.url })).out, /^shop +127\.0\.0\.1:8080 /m);
    assert.match((await runCli(['get', 'ro', 'shop-v2'], { url: api.url })).out, /^shop-v2 +shop +v2 +Paused/m);
    assert.match((await runCli(['get', 'seg', 'testers'], { url: api.url })).out, /^testers +method GET/m);
    assert.deepEqual(api.requests.map((r) => r.url), ['/api/v1/services/shop', '/api/v1/rollouts/shop-v2', '/api/v1/segments/testers']);
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
