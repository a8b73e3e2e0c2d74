import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { dataPlanesUnderTest } from './testing/data-planes.js';
import { demoServiceYaml, getJson, rolloutYaml, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';
import { versionsOf } from './testing/traffic-sample.js';

const ROLLOUT = rolloutYaml([
  'setHeaderRoute: { name: testers, match: [ { header: x-tester, exact: "1" } ] }',
  'setWeight: 10',
  'pause: { duration: 1s }',
  'setWeight: 30',
  'pause: { duration: 1s }',
  'setWeight: 60',
  'pause: {}',
  'setWeight: 100',
]);

interface LoadResult {
  readonly ok: number;
  readonly failed: string[];
  /** Requests resent once after their keep-alive connection was closed under them before any response byte. */
  readonly resent: number;
}

/** One GET; a reset before any response byte on a reused keep-alive connection is resent once, as browsers do (RFC 9112 §9.3.1). */
function get(agent: Agent, address: string, headers: Record<string, string>, retry = true): Promise<{ status: number; version: string; resent: boolean }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: String(res.headers['x-sluice-version'] ?? ''), resent: false }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reused = (req as unknown as { reusedSocket?: boolean }).reusedSocket === true;
      if (retry && reused && (error.code === 'ECONNRESET' || error.message === 'socket hang up')) {
        get(agent, address, headers, false).then((r) => resolve({ ...r, resent: true }), reject);
      } else reject(error);
    });
    req.end();
  });
}

/** Eight clients (keep-alive, and a new connection every tenth request) until stopped; testers must always reach v2. */
function startLoad(address: string): { stop(): Promise<LoadResult> } {
  let running = true;
  const result = { ok: 0, failed: [] as string[], resent: 0 };
  const client = async (n: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; running; i++) {
      const tester = n === 0;
      const headers: Record<string, string> = { 'x-user-id': `load-${n}-${i % 50}`, ...(tester ? { 'x-tester': '1' } : {}), ...(i % 10 === 9 ? { connection: 'close' } : {}) };
      try {
        const r = await get(agent, address, headers);
        if (r.resent) result.resent++;
        if (r.status !== 200) result.failed.push(`status ${r.status}`);
        else if (tester && r.version !== 'v2') result.failed.push(`a tester was served ${r.version}`);
        else result.ok++;
      } catch (error) {
        result.failed.push((error as Error).message);
      }
    }
    agent.destroy();
  };
  const clients = Promise.all(Array.from({ length: 8 }, (_, n) => client(n)));
  return { stop: async () => ((running = false), await clients, result) };
}

for (const plane of dataPlanesUnderTest()) {
  describe(`a canary with a header route and sticky users on ${plane.kind}, under load through every change`, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let server: ServerProcess;

    before(async () => {
      dir = await tempDir(`sluice-${plane.kind}-rollout-`);
      server = await startServer(`${dir.path}/data`, { args: plane.args });
    });
    after(async () => {
      await server?.stop();
      await dir?.remove();
    });

    test('testers always reach v2, users keep their version as the weight rises, and no request fails', async () => {
      const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml() + ROLLOUT);
      assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);
      const address = (await waitFor('the data plane to listen', async () => (await getJson(`${server.url}/api/v1/services/shop`)).traffic?.address)) as string;
      // Load starts once the data plane serves the testers' route (step 1); every weight change and the promotion happen under it.
      await waitFor('the testers route served', async () => {
        const traffic = (await getJson(`${server.url}/api/v1/services/shop`)).traffic;
        return traffic?.rules?.some((r: { name: string }) => r.name === 'testers') ? true : undefined;
      });
      const load = startLoad(address);
      const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
      const at60 = await waitFor('paused at 60 %', async () => {
        const r = await getJson(`${server.url}/api/v1/rollouts/shop-v2`);
        return r.status.phase === 'Paused' && r.status.canaryWeight === 60 ? r : undefined;
      }, 40_000);
      assert.equal(at60.status.rules?.[0]?.name, 'testers');
      const before = await versionsOf(address, users);
      assert.equal((await sluice(server.url, ['promote', 'shop-v2'])).code, 0);
      await waitFor('Succeeded', async () => ((await getJson(`${server.url}/api/v1/rollouts/shop-v2`)).status.phase === 'Succeeded' ? true : undefined), 40_000);
      const result = await load.stop();
      console.log(`# ${plane.kind}: ${result.ok} requests, ${result.failed.length} failed, ${result.resent} resent after a keep-alive close`);
      assert.deepEqual(result.failed.slice(0, 5), [], `0 failed requests on ${plane.kind} (${result.failed.length} failed of ${result.ok + result.failed.length})`);
      assert.ok(result.ok > 500, `load ran all along (${result.ok})`);
      const onV2 = [...before].filter(([, v]) => v === 'v2').length;
      assert.ok(onV2 > 80 && onV2 < 160, `about 60 % of the users on v2 at 60 % (${onV2} of 200)`);
      const after = await versionsOf(address, users);
      assert.ok([...after.values()].every((v) => v === 'v2'), 'everyone on v2 after promotion');
    });
  });
}
