import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock, type RouteSpec, type TrafficSplit } from '@sluice/domain';
import { DataPlaneAgent } from '@sluice/proxy';
import { MemoryRouteFeed } from './memory-route-feed.js';
import { freePort, startSyncServer, until, type SyncServer } from './testing/sync-server.js';

/** An upstream answering its version's name. */
async function upstream(version: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.end(version));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const split = (weight: number): TrafficSplit => ({ stable: 'v1', canary: 'v2', weight, salt: 'shop' });

/** GETs through the agent's proxy; answers the body, or the error. */
async function get(agent: DataPlaneAgent): Promise<string> {
  const address = agent.proxy.observe('shop').address;
  const res = await fetch(`http://${address}/`);
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  return res.text();
}

describe('a remote data plane (DataPlaneAgent) following the control plane', () => {
  const clock = new ManualClock();
  const feed = new MemoryRouteFeed();
  let dir = '';
  let route: RouteSpec;
  let upstreams: Server[] = [];
  const servers: SyncServer[] = [];
  const agents: DataPlaneAgent[] = [];
  const logs: string[] = [];
  const newAgent = (controlPlanes: string[]) => {
    const agent = new DataPlaneAgent({
      id: 'edge-1',
      controlPlanes,
      stateFile: join(dir, 'table.json'),
      token: 'secret-token-value',
      reportEveryMs: 200,
      observationsEveryMs: 100,
      maxBackoffMs: 300,
      idleTimeoutMs: 2_000,
      proxy: { drainTimeoutMs: 500 },
      log: { info: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`), warn: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) },
    });
    agents.push(agent);
    return agent;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-agent-'));
    const [v1, v2] = await Promise.all([upstream('v1'), upstream('v2')]);
    upstreams = [v1.server, v2.server];
    route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user', cookie: 'sluice' }, backends: { v1: [v1.url], v2: [v2.url] } };
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await Promise.all(servers.map((s) => s.kill()));
    for (const s of upstreams) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('snapshot, changes, losing every control plane, resuming on another, restarting from the state file', async () => {
    feed.publish(route, split(0));
    const first = await startSyncServer(feed, clock);
    servers.push(first);
    const laterUrl = `http://127.0.0.1:${await freePort()}`;
    const agent = newAgent([first.url, laterUrl]);
    await agent.start();

    // The snapshot serves the route.
    await until(() => agent.generation === 1, 'the snapshot applied');
    assert.equal(await get(agent), 'v1');
    assert.equal(first.requests[0], 'GET /api/v1/data-plane/stream');

    // A change moves all traffic to v2, and a report says so.
    feed.publish(route, split(100));
    await until(async () => (await get(agent)) === 'v2', 'the change served');
    await until(async () => (await feed.list(0)).some((r) => r.services['shop']?.generation === 2 && r.services['shop']?.weight === 100), 'a report of generation 2');
    const [report] = await feed.list(0);
    assert.equal(report?.id, 'edge-1');
    assert.equal(report?.generation, 2);
    await until(() => first.observed.some((o) => o.service === 'shop' && o.version === 'v2'), 'observations of v2 requests');

    // Every control plane down: the table keeps serving, request after request.
    await first.kill();
    await until(() => agent.connectedTo === undefined, 'the agent noticed');
    const answers = await Promise.all(Array.from({ length: 20 }, async () => {
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) seen.push(await get(agent));
      return seen;
    }));
    assert.deepEqual(new Set(answers.flat()), new Set(['v2']));
    assert.equal(answers.flat().length, 400);

    // Published while no control plane was up; a replica comes up on the other URL: the agent resumes from 2.
    feed.publish(route, split(0));
    const second = await startSyncServer(feed, clock, { port: Number(new URL(laterUrl).port) });
    servers.push(second);
    await until(() => agent.generation === 3, 'the missed change applied', 8_000);
    assert.equal(agent.connectedTo, laterUrl);
    assert.equal(second.requests.find((r) => r.startsWith('GET')), 'GET /api/v1/data-plane/stream?after=2');
    assert.equal(await get(agent), 'v1');
    await until(async () => (await feed.list(0)).some((r) => r.generation === 3), 'a report to the second replica');
    assert.ok(logs.every((l) => !l.includes('secret-token-value')), 'the token is never logged');
    assert.deepEqual(new Set([...first.authorizations, ...second.authorizations]), new Set(['Bearer secret-token-value']));

    // Restarted while no control plane answers: it serves the saved table at once.
    await agent.close();
    await second.kill();
    const restarted = newAgent([first.url, laterUrl]);
    await restarted.start();
    assert.equal(restarted.generation, 3);
    assert.equal(await get(restarted), 'v1');
    assert.equal(restarted.report().services['shop']?.generation, 3);
  });
});
