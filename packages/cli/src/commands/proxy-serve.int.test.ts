import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

// Spawns the built CLI (packages/cli/bin/sluice.js): run `npm run build` after changing the source.
// The control plane is a stand-in speaking the data-plane API (the real routes are tested in
// packages/control-plane/src/data-plane-sync): this test is about the command itself.
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const BIN = join(repoRoot, 'packages/cli/bin/sluice.js');
const TOKEN = 'data-plane-token-0123456789';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

/** A control plane publishing one route (generation 7) and keeping the reports it receives. */
function fakeControlPlane(route: unknown) {
  const reports: { body: any; authorization: string | undefined }[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/api/v1/data-plane/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: 7\nevent: snapshot\ndata: ${JSON.stringify({ generation: 7, routes: [{ service: 'shop', generation: 7, route, split: { stable: 'v1', weight: 0, salt: 'shop' } }] })}\n\n`);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/api/v1/data-plane/reports') reports.push({ body: JSON.parse(body), authorization: req.headers.authorization });
      res.writeHead(204).end();
    });
  });
  return { server, reports };
}

interface Agent {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp): Promise<void>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

function startAgent(args: readonly string[]): Agent {
  const child = spawn(process.execPath, [BIN, 'proxy', 'serve', ...args], { cwd: repoRoot, env: { PATH: process.env['PATH'] ?? '', SLUICE_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => output,
    waitFor: async (pattern) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) assert.fail(`exited before ${pattern}: ${output}`);
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}: ${output}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100).unref();
        });
      }
    },
    stop: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sluice proxy serve', () => {
  let dir = '';
  let upstream: Server;
  let upstreamUrl = '';
  before(async () => {
    assert.ok(existsSync(join(repoRoot, 'packages/cli/dist/commands/proxy-serve.js')), 'run `npm run build` first');
    dir = await mkdtemp(join(tmpdir(), 'sluice-proxy-serve-'));
    upstream = createServer((_req, res) => res.end('v1 answered'));
    upstreamUrl = `http://127.0.0.1:${await listen(upstream)}`;
  });
  after(async () => {
    upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves the published table on its --listen address, reports with the token, keeps the table across a restart without control plane', async () => {
    const port = await freePort();
    const stateFile = join(dir, 'table.json');
    const route = { service: 'shop', listen: '127.0.0.1:1', stickiness: { header: 'x-user', cookie: 'sluice' }, backends: { v1: [upstreamUrl] } };
    const cp = fakeControlPlane(route);
    const cpUrl = `http://127.0.0.1:${await listen(cp.server)}`;
    const args = ['--control-plane', cpUrl, '--id', 'cli-edge', '--state-file', stateFile, '--listen', `shop=127.0.0.1:${port}`];

    const agent = startAgent(args);
    await agent.waitFor(/applied snapshot generation=7/);
    assert.match(agent.output(), /Sluice data plane cli-edge following http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'v1 answered');
    await until(() => cp.reports.length > 0, 'a report');
    assert.equal(cp.reports[0]?.authorization, `Bearer ${TOKEN}`);
    assert.equal(cp.reports[0]?.body.id, 'cli-edge');
    assert.equal(cp.reports[0]?.body.services.shop.address, `127.0.0.1:${port}`);
    assert.equal(await agent.stop('SIGTERM'), 0);
    assert.match(agent.output(), /SIGTERM received: draining the data plane \(generation 7\)/);
    assert.ok(!agent.output().includes(TOKEN), 'the token is never printed');
    assert.equal(JSON.parse(await readFile(stateFile, 'utf8')).generation, 7);

    // No control plane at all now: the saved table serves at once.
    cp.server.closeAllConnections();
    await new Promise((r) => cp.server.close(r));
    const restarted = startAgent(args);
    await restarted.waitFor(/serving the saved table/);
    await restarted.waitFor(/following/);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'v1 answered');
    assert.equal(await restarted.stop('SIGINT'), 0);
  });

  test('bad options are usage errors naming the option', async () => {
    const agent = startAgent(['--control-plane', 'http://127.0.0.1:1', '--listen', 'shop']);
    assert.equal(await new Promise((r) => agent.child.once('exit', r)), 2);
    assert.match(agent.output(), /--listen: "shop" is not SERVICE=HOST:PORT/);
    const none = startAgent([]);
    assert.equal(await new Promise((r) => none.child.once('exit', r)), 2);
    assert.match(none.output(), /--control-plane/);
  });
});
