process.env['TZ'] = 'UTC';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { serviceView, shopRevisions, T0 } from '../testing/fixtures.js';
import { startFakeApi, type FakeApi } from '../testing/fake-api.js';
import { runCli } from '../testing/run-cli.js';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());

/** shop after rollout shop-v2 promoted v2 (revision 2), its data plane serving v2 only. */
beforeEach(() => {
  const traffic = { stable: 'v2', weight: 0, salt: 'shop', generation: 9, address: '127.0.0.1:8080' };
  const { activeRollout: _none, ...rest } = serviceView({ status: { stable: 'v2', revision: 2 }, traffic });
  api.state.services = [rest];
  api.state.revisions = shopRevisions();
  api.state.undoLag = 0;
  api.requests.length = 0;
});

describe('sluice undo', () => {
  test('undo posts to the service, waits until the data plane serves the earlier version, and says so', async () => {
    api.state.undoLag = 3;
    const { code, out, err, sleeps } = await runCli(['undo', 'shop'], { url: api.url });
    assert.equal(code, 0, err);
    assert.deepEqual(out.split('\n'), [
      'service/shop undo to the previous revision accepted: v1 is stable (revision 3)',
      'service/shop serves v1 to 100% of users',
      '',
    ]);
    const posted = api.requests.find((r) => r.method === 'POST');
    assert.equal(posted?.url, '/api/v1/services/shop/undo');
    assert.equal(posted?.body, '{}');
    assert.equal(posted?.headers['x-sluice-actor'], 'alice');
    assert.equal(sleeps.length, 4, 'three answers still showed v2, the fourth v1');
  });

  test('--to-revision sends the number; --no-wait returns once the change is recorded', async () => {
    api.state.undoLag = Infinity;
    const { code, out } = await runCli(['undo', 'shop', '--to-revision', '1', '--no-wait'], { url: api.url });
    assert.equal(code, 0);
    assert.equal(out, 'service/shop undo to revision 1 accepted: v1 is stable (revision 3)\n');
    assert.equal(api.requests.find((r) => r.method === 'POST')?.body, '{"toRevision":1}');
    assert.equal(api.requests.filter((r) => r.method === 'GET').length, 0);
  });

  test('a data plane that does not follow within --timeout exits 1 saying what is stable and what is served', async () => {
    api.state.undoLag = Infinity;
    const { code, out, err } = await runCli(['undo', 'shop', '--timeout', '2'], { url: api.url });
    assert.equal(code, 1);
    assert.match(out, /v1 is stable \(revision 3\)/);
    assert.match(err, /^error: service\/shop: v1 is stable \(revision 3\) but the data plane still serves v2 after 2s; the controller retries by itself/);
  });

  test('a refusal from the server exits 1 with its message; a bad revision number is a usage error', async () => {
    api.state.services = [serviceView()];
    const refused = await runCli(['undo', 'shop'], { url: api.url });
    assert.equal(refused.code, 1);
    assert.equal(refused.err, 'error: Cannot undo service "shop" while rollout "shop-v2" is Paused\n');
    for (const bad of ['0', '-1', '1.5', 'two']) {
      const { code, err } = await runCli(['undo', 'shop', '--to-revision', bad], { url: api.url });
      assert.equal(code, 2, bad);
      assert.match(err, /expected a revision number: a whole number from 1/);
    }
    const unknown = await runCli(['undo', 'nope'], { url: api.url });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err, 'error: service "nope" not found\n');
  });
});

describe('sluice history with revisions', () => {
  test('prints the revisions, current one marked, then the events', async () => {
    api.state.events = [
      { seq: 1, at: T0, actor: 'alice', service: 'shop', subject: { kind: 'Service', name: 'shop' }, type: 'ServiceCreated', to: 'v1', reason: 'Service shop created with stable v1' },
    ];
    const gone = { ...shopRevisions()[0]!, number: 3, stable: 'v0', createdAt: T0 + 120_000, outcome: 'applied' as const, actor: 'carol', undoable: false, reason: 'its version v0 is no longer declared' };
    api.state.revisions = [...shopRevisions(), gone];
    const { code, out } = await runCli(['history', 'shop'], { url: api.url });
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      'CURRENT  REVISION  VERSION  CREATED              BY          ROLLOUT  OUTCOME   UNDO',
      '         1         v1       2026-01-01 00:00:00  alice       -        created   yes',
      '*        2         v2       2026-01-01 00:01:00  controller  shop-v2  promoted  -',
      '         3         v0       2026-01-01 00:02:00  carol       -        applied   no: its version v0 is no longer declared',
      '',
      '2026-01-01 00:00:00  alice  service/shop  ServiceCreated  → v1  Service shop created with stable v1',
      '',
    ]);
  });

  test('after an undo the new revision says which one it returned to; -o json has revisions and items', async () => {
    api.state.events = [];
    await runCli(['undo', 'shop'], { url: api.url });
    const { out } = await runCli(['history', 'shop'], { url: api.url });
    assert.match(out, /^\*\s+3\s+v1\s+.*undone-to 1\s+-$/m);
    const json = await runCli(['history', 'shop', '-o', 'json'], { url: api.url });
    const parsed = JSON.parse(json.out) as { revisions: { number: number; current: boolean }[]; items: unknown[] };
    assert.deepEqual(parsed.revisions.map((r) => [r.number, r.current]), [[1, false], [2, false], [3, true]]);
    assert.deepEqual(parsed.items, []);
  });
});
