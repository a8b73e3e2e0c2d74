import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, writeSpec, type ServerProcess } from './testing/sluice-process.js';

const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9"] }
    v2: { upstreams: ["http://127.0.0.1:9"] }
  stable: v1
`;

/** Each bad file, and what its error must say: file:line:col, and words naming the problem. */
const CASES: readonly { name: string; text: string; where: RegExp; says: RegExp }[] = [
  { name: 'malformed-yaml', text: 'apiVersion: sluice.dev/v1\nkind: Service\nmetadata: { name: shop\nspec: {}\n', where: /malformed-yaml\.yaml:\d+:\d+/, says: /./ },
  { name: 'unknown-kind', text: 'apiVersion: sluice.dev/v1\nkind: Deployment\nmetadata: { name: x }\nspec: {}\n', where: /unknown-kind\.yaml:2:7/, says: /Deployment/ },
  { name: 'unknown-field', text: SERVICE.replace('  stable: v1', '  stable: v1\n  replicaz: 3'), where: /unknown-field\.yaml:10:3/, says: /replicaz/ },
  {
    name: 'weight-150',
    text: `${SERVICE}---\napiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n  strategy:\n    canary:\n      steps:\n        - setWeight: 150\n`,
    where: /weight-150\.yaml:20:22/,
    says: /150/,
  },
  {
    name: 'missing-service',
    text: 'apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: nosuch\n  target: v2\n  strategy:\n    canary:\n      steps:\n        - setWeight: 5\n',
    where: /missing-service\.yaml:5:\d+/,
    says: /nosuch/,
  },
  { name: 'duplicate-name', text: `${SERVICE}---\n${SERVICE}`, where: /duplicate-name\.yaml:13:\d+/, says: /shop/ },
  {
    name: 'shared-host',
    text: [SERVICE, SERVICE.replace('name: shop', 'name: web')]
      .map((s) => s.replace('127.0.0.1:0', '127.0.0.1:18081').replace('  stable: v1\n', '  stable: v1\n  hosts: [shop.example.com]\n'))
      .join('---\n'),
    where: /shared-host\.yaml:21:11: spec\.hosts\[0\]/,
    says: /already claimed by Service "shop" at line 10; Service "web" cannot claim it too/,
  },
];

describe('bad input through the CLI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  let before_: string;

  const snapshot = async () =>
    JSON.stringify([
      await getJson(`${server.url}/api/v1/services`).then((b) => b.items.map((s: { name: string; version: number }) => [s.name, s.version])),
      await getJson(`${server.url}/api/v1/rollouts`).then((b) => b.items.map((r: { name: string; version: number }) => [r.name, r.version])),
      await getJson(`${server.url}/api/v1/events`).then((b) => b.items.length),
    ]);

  before(async () => {
    dir = await tempDir('sluice-bad-');
    server = await startServer(`${dir.path}/data`);
    before_ = await snapshot();
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  for (const c of CASES) {
    test(`apply of ${c.name} exits 2 with a precise message and changes nothing`, async () => {
      const file = await writeSpec(dir.path, `${c.name}.yaml`, c.text);
      for (const verb of ['apply', 'validate']) {
        const result = await sluice(server.url, [verb, '-f', file]);
        assert.equal(result.code, 2, `${verb} ${c.name}: exit ${result.code}\n${result.stdout}${result.stderr}`);
        assert.match(result.stderr, c.where, `${verb} ${c.name} names the position:\n${result.stderr}`);
        assert.match(result.stderr, c.says);
        assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
      }
      assert.equal(await snapshot(), before_, 'nothing was applied');
    });
  }

  test('the API answers bad bodies with 4xx and a JSON path, never 5xx', async () => {
    const promote = await fetch(`${server.url}/api/v1/rollouts/nosuch/promote`, { method: 'POST', body: '{"full": "yes"}' });
    assert.equal(promote.status, 400);
    const body = (await promote.json()) as any;
    assert.equal(body.error.code, 'INVALID_REQUEST');
    assert.equal(body.error.details.problems[0].path, '$.full');
    // Just over 1 MiB. A server may answer 413 before reading the body; a client still writing can
    // then see the socket reset (EPIPE) instead of the answer, so a reset is retried.
    let bigStatus = 0;
    for (let attempt = 0; attempt < 5 && bigStatus === 0; attempt++) {
      const res = await fetch(`${server.url}/api/v1/apply`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1024) }).catch(() => undefined);
      bigStatus = res?.status ?? 0;
      if (res) assert.equal(res.headers.get('connection'), 'close');
    }
    assert.equal(bigStatus, 413);
    const missing = await fetch(`${server.url}/api/v1/rollouts/nosuch/abort`, { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, 'ROLLOUT_NOT_FOUND');
    assert.equal(await snapshot(), before_);
  });
});
