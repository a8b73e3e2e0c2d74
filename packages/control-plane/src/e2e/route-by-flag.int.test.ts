import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { evaluateFlag, flagStateFor, type Flag, type FlagSpec } from '@sluice/domain';
import { parseResources } from '@sluice/spec';
import { startControlPlane, type RunningControlPlane } from '../control-plane.js';
import { tempDir, waitFor } from './testing/sluice-process.js';

/** An upstream answering its version name. */
function upstream(version: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(version));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

const FLAG = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  environments:
    production:
      enabled: true
      rules:
        - { name: pro, constraints: [ { contextName: x-plan, operator: IN, values: [pro] } ], rollout: 100 }
      default: { rollout: 30 }
`;

const SERVICE = (v1: number, v2: number) => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  stickiness: { header: x-user-id }
  versions:
    v1: { upstreams: [ "http://127.0.0.1:${v1}" ] }
    v2: { upstreams: [ "http://127.0.0.1:${v2}" ] }
  stable: v1
  routes:
    - name: new-checkout
      version: v2
      match: [ { flag: { name: new-checkout, environment: production } } ]
`;

async function api(base: string, path: string, init: { method?: string; body?: string; type?: string } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/v1${path}`, { method: init.method ?? 'GET', headers: { 'content-type': init.type ?? 'application/json' }, ...(init.body ? { body: init.body } : {}) });
  return { status: res.status, body: await res.json() };
}

interface User {
  readonly id: string;
  readonly plan: string;
}

const USERS: readonly User[] = Array.from({ length: 120 }, (_, i) => ({ id: `user-${i}`, plan: i % 10 === 0 ? 'pro' : 'basic' }));

/** The version the proxy serves each user (stickiness header x-user-id, plan header x-plan). */
async function served(address: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    USERS.map(async (u) => {
      const res = await fetch(`http://${address}/checkout`, { headers: { 'x-user-id': u.id, 'x-plan': u.plan } });
      out.set(u.id, await res.text());
    }),
  );
  return out;
}

/** What the shared evaluator says for each user, for the flag as the spec file declares it. */
function expected(spec: FlagSpec): Map<string, string> {
  const flag: Flag = { name: 'new-checkout', spec, version: 1, createdAt: 0, updatedAt: 0 };
  const state = flagStateFor([flag], [], 'production');
  return new Map(USERS.map((u) => [u.id, evaluateFlag(state, 'new-checkout', { userId: u.id, properties: { 'x-plan': u.plan } }).enabled ? 'v2' : 'v1']));
}

describe('the built-in proxy routes by feature flag', () => {
  let cp: RunningControlPlane;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let v1: Awaited<ReturnType<typeof upstream>>;
  let v2: Awaited<ReturnType<typeof upstream>>;

  before(async () => {
    dir = await tempDir('sluice-route-by-flag-');
    v1 = await upstream('v1');
    v2 = await upstream('v2');
    // A slow poll: only the flag hub's kick can carry a flag change to the proxy within seconds.
    cp = await startControlPlane({ dataDir: dir.path, listen: '127.0.0.1:0', log: () => {}, pollMs: 60_000 });
  });

  after(async () => {
    await cp?.close();
    v1?.server.close();
    v2?.server.close();
    await dir?.remove();
  });

  test('a route naming a flag that does not exist is rejected at apply', async () => {
    const res = await api(cp.url, '/apply', { method: 'POST', type: 'application/yaml', body: SERVICE(v1.port, v2.port) });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'UNKNOWN_REFERENCE');
    const [problem] = res.body.error.details.problems;
    assert.deepEqual([problem.path, problem.line, problem.message], ['spec.routes[0].match[0].flag.name', 14, 'flag "new-checkout" does not exist']);
  });

  test('users the flag is on for go to v2, the others to v1; a flag change reaches the proxy within seconds', async () => {
    const applied = await api(cp.url, '/apply', { method: 'POST', type: 'application/yaml', body: `${FLAG}---\n${SERVICE(v1.port, v2.port)}` });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const address = await waitFor('the proxy of shop to listen', async () => (await api(cp.url, '/services/shop')).body.traffic?.address as string | undefined);
    const [parsed] = parseResources(FLAG, { file: 'flag.yaml' });
    const want = expected(parsed?.spec as FlagSpec);
    const onUsers = [...want.values()].filter((v) => v === 'v2').length;
    assert.ok(onUsers > 20 && onUsers < 100, `the flag is on for some users and off for others (${onUsers} of ${USERS.length})`);
    const first = await waitFor('v2 to serve the flag users', async () => ((await served(address)).get([...want].find(([, v]) => v === 'v2')![0]) === 'v2' ? true : undefined));
    assert.equal(first, true);
    assert.deepEqual(await served(address), want);
    assert.deepEqual(await served(address), want, 'the same answer again: routing by flag is sticky');

    const started = performance.now();
    const changed = await api(cp.url, '/flags/new-checkout/environments/production', { method: 'POST', body: JSON.stringify({ rollout: 100 }) });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await waitFor('every user on v2', async () => ([...(await served(address)).values()].every((v) => v === 'v2') ? true : undefined), 3000);
    assert.ok(performance.now() - started < 3000);
  });
});
