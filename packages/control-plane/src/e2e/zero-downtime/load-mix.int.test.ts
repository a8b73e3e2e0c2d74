import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LoadMix } from './testing/load-mix.js';
import type { PhaseSummary } from './testing/phase-stats.js';

// The zero-downtime test counts 0 failed and 0 reset requests; these tests show the driver does see
// resets, failures and timeouts when there are some, in the phase they started in.

type Mode = 'good' | 'reset' | 'status500' | 'wrongBody' | 'truncate' | 'hang';
const APP = join(dirname(fileURLToPath(import.meta.url)), 'upstream-app.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers like upstream-app.mjs in mode "good", and breaks every answer in its own way otherwise. */
function faultyServer(mode: () => Mode) {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = mode();
    const url = new URL(req.url ?? '/', 'http://x');
    if (m === 'hang') return;
    if (m === 'reset') return void req.socket.destroy();
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => ((length += c.length), hash.update(c)));
    req.on('end', () => {
      const body = url.pathname === '/upload'
        ? Buffer.from(JSON.stringify({ length, sha256: m === 'wrongBody' ? 'x' : hash.digest('hex') }))
        : url.pathname === '/download'
          ? Buffer.from(Array.from({ length: Number(url.searchParams.get('bytes')) }, (_, i) => (Number(url.searchParams.get('seed')) + i + (m === 'wrongBody' ? 1 : 0)) % 251))
          : Buffer.from(m === 'wrongBody' ? 'v9 9 other\n' : 'v1 1 v1-0\n');
      res.writeHead(m === 'status500' ? 500 : 200, { 'x-app': 'v1/1/v1-0', 'content-length': body.length + (m === 'truncate' ? 10 : 0) });
      if (m === 'truncate') {
        res.write(body);
        setTimeout(() => req.socket.destroy(), 20);
      } else res.end(body);
    });
  });
}

function byName(phases: readonly PhaseSummary[], name: string): PhaseSummary {
  const phase = phases.find((p) => p.name === name);
  assert.ok(phase, `phase ${name}`);
  return phase;
}

describe('the zero-downtime load driver', () => {
  test('classifies every outcome (ok, reset, failed, timeout) in the phase the request started in', { timeout: 60_000 }, async () => {
    let mode: Mode = 'good';
    const server = faultyServer(() => mode);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const load = new LoadMix({ host: '127.0.0.1', port, rps: 300, slowMs: 100, uploadBytes: 4096, downloadBytes: 4096, timeoutMs: 1_000, websocket: false }, 'good');
    const modes: Mode[] = ['reset', 'status500', 'wrongBody', 'truncate', 'hang'];
    try {
      await load.start();
      for (const next of modes) {
        await sleep(700);
        load.phase(`gap-${next}`); // requests sent across the switch are not counted below
        await sleep(300);
        mode = next;
        load.phase(next);
      }
      await sleep(700);
    } finally {
      await load.stop().then((report) => {
        const good = byName(report.phases, 'good');
        assert.ok(good.requests > 100 && good.ok === good.requests, `good: ${JSON.stringify(good)}`);
        assert.ok(Object.values(good.byKind).every((n) => n > 0), 'every kind was sent');
        const only = (name: string, field: 'resets' | 'failed' | 'timeouts', why: RegExp) => {
          const p = byName(report.phases, name);
          assert.ok(p.requests > 50, `${name}: ${p.requests} requests`);
          assert.equal(p[field], p.requests, `${name}: ${JSON.stringify({ ok: p.ok, failed: p.failed, resets: p.resets, timeouts: p.timeouts, failures: p.failures.slice(0, 3) })}`);
          assert.match(p.failures[0] ?? '', why);
        };
        only('reset', 'resets', /reset: .*(ECONNRESET|EPIPE|socket hang up)/);
        only('status500', 'failed', /failed: HTTP 500/);
        only('wrongBody', 'failed', /failed: (body|upload|download)/);
        only('truncate', 'resets', /reset/);
        only('hang', 'timeouts', /timeout: no complete answer within 1000 ms/);
      });
      server.closeAllConnections();
      server.close();
    }
  });

  test('against upstream-app.mjs itself: all ok, the WebSocket echoes; SIGTERM drains, refuses new connections and says going-away', { timeout: 60_000 }, async () => {
    const app = spawn(process.execPath, [APP], { env: { ...process.env, PORT: '0', VERSION: 'v1', GEN: '1', SLUICE_INSTANCE: 'v1-0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(app.stdout!, 'data')) as [Buffer];
    const port = Number(/listening on (\d+)/.exec(line.toString())?.[1]);
    const load = new LoadMix({ host: '127.0.0.1', port, rps: 200, slowMs: 1_000 }, 'serving');
    await load.start();
    await sleep(2_000);
    load.phase('stopping');
    // Every request of "serving" has reached the app by now: in flight, not on an idle connection.
    await sleep(200);
    app.kill('SIGTERM');
    const exited = once(app, 'exit');
    await sleep(500);
    const report = await load.stop();
    const [code] = (await exited) as [number];
    assert.equal(code, 0, 'the app drained and exited 0');
    const serving = byName(report.phases, 'serving');
    assert.ok(serving.requests > 300, `serving: ${serving.requests}`);
    assert.equal(serving.ok, serving.requests, `every request sent before SIGTERM is answered, slow ones included: ${serving.failures.join('; ')}`);
    assert.ok(serving.ws.echoed > 10 && serving.ws.lost === 0, `WebSocket: ${JSON.stringify(serving.ws)}`);
    const stopping = byName(report.phases, 'stopping');
    assert.ok(stopping.failed > 0, 'new connections after SIGTERM are refused, and counted as failed');
    assert.ok(stopping.failures.some((f) => /failed: ECONNREFUSED/.test(f)), stopping.failures.join('; '));
    assert.equal(stopping.ws.cleanCloses, 1, 'the app closed the WebSocket with a close frame');
    assert.match(report.ws.events[0]?.what ?? '', /closed by the server: 1001 going away/);
    assert.equal(report.ws.firstStillOpen, false);
  });
});
