process.env['TZ'] = 'UTC';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rolloutEvent, serviceView, T0 } from './testing/fixtures.js';
import { startFakeApi, type FakeApi } from './testing/fake-api.js';
import { closedPortUrl, runCli } from './testing/run-cli.js';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());

describe('sluice main', () => {
  test('an unreachable control plane exits 1 with how to start it', async () => {
    const url = await closedPortUrl();
    const { code, out, err } = await runCli(['get', 'rollouts'], { url });
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.equal(
      err,
      `error: cannot reach the Sluice control plane at ${url}: start it with \`npm start\` or \`sluice server\`, or set SLUICE_URL\n`,
    );
  });

  test('usage errors exit 2 with commander message and no stack trace', async () => {
    for (const args of [['frobnicate'], ['status'], ['get', 'rollouts', '-o', 'yaml'], ['status', 'x', '--interval', 'soon'], ['promote', 'a', 'b'], ['approve'], ['reject', 'a', 'b'], ['explain', 'a', '-o', 'yaml'], ['get', 'at', 'a', 'b']]) {
      const { code, err } = await runCli(args, { url: api.url });
      assert.equal(code, 2, `sluice ${args.join(' ')}`);
      assert.match(err, /^error: /m, `sluice ${args.join(' ')}`);
      assert.doesNotMatch(err, /\n\s+at /, `no stack trace for sluice ${args.join(' ')}`);
    }
  });

  test('an unknown resource kind in get is a usage error', async () => {
    const { code, err } = await runCli(['get', 'widgets'], { url: api.url });
    assert.equal(code, 2);
    assert.match(
      err,
      /unknown resource kind "widgets": expected services \(service, svc\), rollouts \(rollout, ro\), segments \(segment, seg\), analysistemplates \(analysistemplate, at\), experiments \(experiment, exp\)/,
    );
  });

  test('a malformed SLUICE_URL is a usage error', async () => {
    const { code, err } = await runCli(['get', 'svc'], { url: 'localhost 7070' });
    assert.equal(code, 2);
    assert.match(err, /SLUICE_URL "localhost 7070" is not a URL/);
  });

  test('--help prints usage and exits 0', async () => {
    const { code, out } = await runCli(['--help']);
    assert.equal(code, 0);
    assert.match(out, /Usage: sluice/);
    assert.match(out, /Exit codes: 0 ok, 1 the operation failed \(or the rollout rolled back\), 2 bad usage or bad input, 3 rollout run --wait timed out, 130 interrupted/);
  });

  test('version prints the package version offline', async () => {
    const { code, out } = await runCli(['version'], { url: await closedPortUrl() });
    assert.equal(code, 0);
    assert.match(out, /^sluice 0\.1\.0 \(node v\d+/);
  });

  test('schema prints the JSON Schema offline', async () => {
    const { code, out } = await runCli(['schema'], { url: await closedPortUrl() });
    assert.equal(code, 0);
    const schema = JSON.parse(out) as Record<string, unknown>;
    assert.match(JSON.stringify(schema), /setWeight/);
  });

  test('a 404 from the server exits 1 with its message on one line', async () => {
    const { code, err } = await runCli(['get', 'rollouts'], { url: `${api.url}/not-the-api` });
    assert.equal(code, 1);
    assert.equal(err.trim().split('\n').length, 1);
    assert.match(err, /^error: no route GET \/not-the-api\/api\/v1\/rollouts/);
  });
});

describe('sluice history', () => {
  test('history prints every event oldest first with date, actor, subject, type, from → to and reason', async () => {
    api.state.services = [serviceView()];
    api.state.events = [
      { ...rolloutEvent({ type: 'ServiceCreated', to: 'v1', reason: 'Service shop created with stable v1' }), subject: { kind: 'Service', name: 'shop' }, actor: 'alice' },
      rolloutEvent({ type: 'PhaseChanged', at: T0 + 61_000, from: 'Progressing', to: 'Paused', reason: 'Paused at step 2 for 30s' }),
      rolloutEvent({ type: 'CommandAccepted', at: T0 + 62_000, to: 'promote', actor: 'bob', reason: 'Promote requested' }),
    ];
    const { code, out } = await runCli(['history', 'shop'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      '2026-01-01 00:00:00  alice       service/shop     ServiceCreated   → v1                  Service shop created with stable v1',
      '2026-01-01 00:01:01  controller  rollout/shop-v2  PhaseChanged     Progressing → Paused  Paused at step 2 for 30s',
      '2026-01-01 00:01:02  bob         rollout/shop-v2  CommandAccepted  → promote             Promote requested',
      '',
    ]);
  });

  test('history of an unknown service exits 1 with the server message', async () => {
    const { code, err } = await runCli(['history', 'nope'], { url: api.url });
    assert.equal(code, 1);
    assert.equal(err, 'error: service "nope" not found\n');
  });

  test('history -o json prints the items', async () => {
    api.state.services = [serviceView()];
    const { code, out } = await runCli(['history', 'shop', '-o', 'json'], { url: api.url });
    assert.equal(code, 0);
    assert.equal((JSON.parse(out) as { items: unknown[] }).items.length, api.state.events.length);
  });
});
