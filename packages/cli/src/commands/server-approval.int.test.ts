import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../testing/run-cli.js';
import { startSourceServer } from '../testing/source-server.js';

const SPECS = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9001"] }
    v2: { upstreams: ["http://127.0.0.1:9002"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - approval: { message: "look at the dashboard" }
        - setWeight: 100
`;

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  return res.json();
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-approval-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('sluice server --no-self-approval --trust-proxy', () => {
  test('the author cannot approve their rollout, another person can; events carry the client address', async () => {
    const server = startSourceServer(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'a'), '--no-self-approval', '--trust-proxy']);
    try {
      const url = await server.url;
      await writeFile(join(dir, 'shop.yaml'), SPECS);
      assert.equal((await runCli(['apply', '-f', join(dir, 'shop.yaml')], { url, env: { SLUICE_ACTOR: 'alice' } })).code, 0);
      for (let i = 0; i < 100 && (await getJson(`${url}/api/v1/rollouts/shop-v2`)).status.phase !== 'Progressing'; i++) await sleep(100);
      const rollout = await getJson(`${url}/api/v1/rollouts/shop-v2`);
      assert.equal(rollout.status.phase, 'Progressing');
      assert.equal(rollout.createdBy, 'alice');

      const self = await runCli(['approve', 'shop-v2'], { url, env: { SLUICE_ACTOR: 'alice' } });
      assert.equal(self.code, 1, self.out + self.err);
      assert.match(self.err, /the rollout's author alice may not approve it: approvals need another person \(sluice server --no-self-approval/);
      const other = await fetch(`${url}/api/v1/rollouts/shop-v2/approve`, { method: 'POST', headers: { 'x-sluice-actor': 'bob', 'x-forwarded-for': '6.6.6.6, 198.51.100.9' }, body: '{}' });
      assert.equal(other.status, 200, await other.text());

      const events = (await getJson(`${url}/api/v1/events?type=RolloutCreated,ApprovalRecorded`)).items;
      assert.deepEqual(events.map((e: any) => [e.type, e.actor, e.source]), [['RolloutCreated', 'alice', '127.0.0.1'], ['ApprovalRecorded', 'bob', '198.51.100.9']]);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    }
  });
});
