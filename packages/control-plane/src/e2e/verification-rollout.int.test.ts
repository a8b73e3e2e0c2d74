import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';
import { dataPlanesUnderTest } from './testing/data-planes.js';

/** v2 is healthy; v3 answers half its requests with 500. */
const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
    v2: { run: { command: "node demo/app.js", env: { VERSION: v2 }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
    v3: { run: { command: "node demo/app.js", env: { VERSION: v3, ERROR_RATE: "0.5" }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: AnalysisTemplate
metadata: { name: health }
spec:
  args:
    - { name: maxP99Ms, value: "500" }
  metrics:
    - name: errors
      interval: 1s
      count: 4
      provider: { builtin: {} }
      judge:
        errorRate: { minRequests: 20 }
    - name: p99
      interval: 1s
      count: 2
      window: 5s
      provider: { builtin: {} }
      query: latency-p99
      judge:
        threshold: { successCondition: "result < {{args.maxP99Ms}}" }
`;

const rollout = (name: string, target: string, load = true, guard = true) => `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: shop
  target: ${target}
${guard ? '' : '  guard: { conditions: [] }\n'}  strategy:
    canary:
      steps:
        - setWeight: 50
        - checklist:
            items:
              - name: smoke
                operation: { command: "node -e process.exit(0)", timeout: 10s }
                verification:
                  provider: { builtin: {} }
                  query: requests
                  judge: { threshold: { successCondition: "result > 0" } }
                  window: 5s
                  interval: 500ms
                  within: 20s
        - approval: { approvers: [release-manager], message: "Check the dashboards" }
${load ? '        - load: { rps: 40, duration: 2s, requests: [ { method: GET, path: /checkout } ], stopWhen: "errorRate > 0.2" }\n' : ''}        - analysis: { templates: [health], args: { maxP99Ms: "800" } }
        - setWeight: 100
`;

for (const plane of dataPlanesUnderTest()) describe(`a rollout that must earn each step on ${plane.kind}: checklist → approval → load → analysis (real processes, data plane and traffic)`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  let proxy = '';
  let sending = true;
  let traffic: Promise<void> = Promise.resolve();

  before(async () => {
    dir = await tempDir('sluice-verify-');
    server = await startServer(`${dir.path}/data`, { args: plane.args });
  });
  after(async () => {
    sending = false;
    await traffic;
    await server?.stop();
    await dir?.remove();
  });

  /** Steady traffic through the proxy (10 at a time), so the built-in windows have something to judge. */
  function sendTraffic(): void {
    traffic = (async () => {
      while (sending) {
        await Promise.all(Array.from({ length: 10 }, () => fetch(`http://${proxy}/`).then((r) => r.arrayBuffer()).catch(() => undefined)));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  const rolloutOf = (name: string) => getJson(`${server.url}/api/v1/rollouts/${name}`);

  test('apply the service, the template and a rollout to v2', async () => {
    const file = await writeSpec(dir.path, 'shop.yaml', `${SERVICE}---\n${rollout('shop-v2', 'v2')}`);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /analysistemplate\/health created/i);
    proxy = (await waitFor('the proxy to listen', async () => (await getJson(`${server.url}/api/v1/services/shop`)).traffic?.address)) as string;
    sendTraffic();
  });

  test('the checklist passes and the rollout waits for the named approver', async () => {
    const waiting = await waitFor('the approval step', async () => {
      const r = await rolloutOf('shop-v2');
      return r.status.stepIndex === 2 && r.status.stepState?.stepIndex === 2 ? r : undefined;
    }, 30_000);
    assert.match(waiting.status.message, /release-manager/);
    const refused = await sluice(server.url, ['approve', 'shop-v2', '--comment', 'lgtm'], undefined, { SLUICE_ACTOR: 'intern' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /FORBIDDEN|may not approve/);
    assert.equal((await rolloutOf('shop-v2')).status.stepIndex, 2, 'a refused approval changes nothing');
  });

  test('an approval by the approver lets the analysis run, which passes on healthy traffic', async () => {
    const approved = await sluice(server.url, ['approve', 'shop-v2', '--comment', 'dashboards clean'], undefined, { SLUICE_ACTOR: 'release-manager' });
    assert.equal(approved.code, 0, approved.stderr);
    const done = await waitFor('Succeeded', async () => {
      const r = await rolloutOf('shop-v2');
      return r.status.phase === 'Succeeded' || r.status.phase === 'Failed' ? r : undefined;
    }, 40_000);
    assert.equal(done.status.phase, 'Succeeded', done.status.message);
  });

  test('explain shows every measurement with its evidence, and the approval', async () => {
    const explained = await sluice(server.url, ['explain', 'shop-v2']);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /health\/errors/);
    assert.match(explained.stdout, /sequential-error-rate|min-sample/);
    assert.match(explained.stdout, /smoke/);
    assert.match(explained.stdout, /release-manager/);
    const json = await getJson(`${server.url}/api/v1/rollouts/shop-v2/decisions`);
    const measured = json.decisions.filter((d: { type: string }) => d.type === 'AnalysisMeasured');
    const errors = measured.filter((d: { data: { metric: string } }) => d.data.metric === 'health/errors');
    assert.equal(errors.length, 4, 'count: 4 measurements of the error rate');
    const last = errors.at(-1).data;
    assert.equal(last.result, 'pass');
    assert.ok(last.canary.n > 0 && last.stable.n > 0, 'both sides counted over the same window');
    assert.equal(typeof last.pValue, 'number');
    const load = json.decisions.find((d: { type: string }) => d.type === 'LoadFinished');
    assert.ok(load, 'the load step recorded its totals');
    assert.ok(Math.abs(load.data.completed - 80) <= 16 && load.data.errors === 0, `about 40 rps × 2 s sent to v2: ${JSON.stringify(load.data)}`);
    const approval = json.decisions.find((d: { type: string }) => d.type === 'ApprovalRecorded');
    assert.equal(approval.actor, 'release-manager');
    assert.equal(approval.data.comment, 'dashboards clean');
  });

  async function approveAndFinish(name: string): Promise<{ status: { phase: string; message: string } }> {
    await waitFor(`the approval step of ${name}`, async () => ((await rolloutOf(name)).status.stepIndex === 2 ? true : undefined), 30_000);
    assert.equal((await sluice(server.url, ['approve', name], undefined, { SLUICE_ACTOR: 'release-manager' })).code, 0);
    return waitFor(`${name} to finish`, async () => {
      const r = await rolloutOf(name);
      return r.status.phase === 'Failed' || r.status.phase === 'Succeeded' ? r : undefined;
    }, 40_000);
  }

  test('a canary answering half its requests with 500 is rolled back by the guardian, which needs no step', async () => {
    const file = await writeSpec(dir.path, 'v3.yaml', rollout('shop-v3', 'v3'));
    assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);
    const failed = await waitFor('shop-v3 to fail', async () => {
      const r = await rolloutOf('shop-v3');
      return r.status.phase === 'Failed' || r.status.phase === 'Succeeded' ? r : undefined;
    }, 40_000);
    assert.equal(failed.status.phase, 'Failed');
    const decisions = (await getJson(`${server.url}/api/v1/rollouts/shop-v3/decisions`)).decisions;
    const breach = decisions.find((d: { type: string }) => d.type === 'GuardBreached');
    assert.equal(breach?.to, 'rollback', JSON.stringify(decisions.map((d: { reason: string }) => d.reason)));
    assert.ok(['fast-path', 'error-burst'].includes(breach.data.evidence.rule), `a severe-regression rule fired: ${breach.data.evidence.rule}`);
    const plan = decisions.filter((d: { type: string }) => d.type === 'RollbackProgressed').map((d: { to: string }) => d.to);
    assert.deepEqual(plan, ['traffic', 'verify']);
    assert.ok(failed.status.exposure.requests > 0, 'the exposure before the breach is recorded');
  });

  test('with the guardian off, the load step\'s breaker catches the same canary', async () => {
    const file = await writeSpec(dir.path, 'v3-load.yaml', rollout('shop-v3-load', 'v3', true, false));
    assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);
    const failed = await approveAndFinish('shop-v3-load');
    assert.equal(failed.status.phase, 'Failed');
    const decisions = (await getJson(`${server.url}/api/v1/rollouts/shop-v3-load/decisions`)).decisions;
    const load = decisions.find((d: { type: string }) => d.type === 'LoadFinished');
    assert.equal(load?.to, 'tripped', JSON.stringify(load));
    assert.match(load.data.reason, /errorRate > 0\.2/);
  });

  test('with the guardian off and no load step, the analysis catches the same canary and rolls it back', async () => {
    const file = await writeSpec(dir.path, 'v3b.yaml', rollout('shop-v3b', 'v3', false, false));
    assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);
    const failed = await approveAndFinish('shop-v3b');
    const explained = await sluice(server.url, ['explain', 'shop-v3b']);
    assert.equal(failed.status.phase, 'Failed', explained.stdout);
    const decisions = (await getJson(`${server.url}/api/v1/rollouts/shop-v3b/decisions`)).decisions;
    const decided = decisions.find((d: { type: string }) => d.type === 'AnalysisDecided');
    assert.equal(decided?.to, 'failed', JSON.stringify(decisions.map((d: { reason: string }) => d.reason)));
    const errors = decisions.filter((d: { type: string; data?: { metric?: string } }) => d.type === 'AnalysisMeasured' && d.data?.metric === 'health/errors');
    assert.equal(errors.at(-1).data.result, 'fail');
    const service = await getJson(`${server.url}/api/v1/services/shop`);
    assert.equal(service.status.stable, 'v2', 'the stable version is still the last good one');
  });
});
