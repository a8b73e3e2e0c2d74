import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoServiceYaml, getJson, sluice, startServer, tempDir, waitFor, writeSpec } from './testing/sluice-process.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let dir: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  dir = await tempDir('sluice-stop-');
});
after(async () => {
  await dir?.remove();
});

// A terminal's Ctrl-C reaches `npm start`'s wrapper and the server at once, and the wrapper forwards
// it: the server gets SIGINT twice. The second must not kill it before it stopped its processes.
test('two SIGINTs in a row still stop the server cleanly, with every local process it started', async () => {
  const server = await startServer(`${dir.path}/data`);
  // Every answer takes 3 s, so the stop is still draining one when the second signal arrives (with
  // room for a loaded machine to take a while getting the request to v1: 1.5 s was not, under npm test).
  const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml().replace('env: { VERSION: v1 }', 'env: { VERSION: v1, LATENCY_MS: "3000" }').replaceAll('gracePeriod: 2s', 'gracePeriod: 6s'));
  assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);
  // Both versions ready (v2 used to be enough, and the slow request then reached the proxy before v1 did).
  const pids = await waitFor('both demo versions running', async () => {
    const s = await getJson(`${server.url}/api/v1/services/shop`);
    const found: number[] = (s.workloads ?? []).flatMap((w: { instances: { pid?: number; state: string }[] }) => w.instances.filter((i) => i.state === 'ready').map((i) => i.pid ?? 0)).filter(Boolean);
    return found.length >= 2 ? found : undefined;
  });
  const proxy = (await getJson(`${server.url}/api/v1/services/shop`)).traffic.address as string;
  const slow = fetch(`http://${proxy}/`).then((r) => r.status, () => 0);
  await new Promise((r) => setTimeout(r, 1000));
  server.child.kill('SIGINT');
  await waitFor('the server to start stopping', async () => (/SIGINT received: stopping/.test(server.output()) ? true : undefined));
  server.child.kill('SIGINT');
  await server.exited;
  assert.equal(server.child.signalCode, null, `the server exited by itself (code ${server.child.exitCode}, signal ${server.child.signalCode}), not killed by the second signal:\n${server.output()}`);
  assert.match(server.output(), /received again: still stopping/);
  assert.deepEqual(pids.filter(alive), [], 'no demo process left behind');
  assert.equal(await slow, 200, 'the request in flight was drained, not cut');
});
