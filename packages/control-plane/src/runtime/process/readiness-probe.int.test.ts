import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pickFreePort } from './free-port.js';
import { probeHttp } from './readiness-probe.js';

describe('probeHttp', () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.statusCode = req.url === '/ok' ? 204 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('2xx is ready; other statuses are not, and say which', async () => {
    assert.deepEqual(await probeHttp(port, '/ok', 1000), { ok: true, detail: 'HTTP 204' });
    assert.deepEqual(await probeHttp(port, '/down', 1000), { ok: false, detail: 'HTTP 503' });
  });

  test('a silent server times out', async () => {
    assert.deepEqual(await probeHttp(port, '/hang', 50), { ok: false, detail: 'no answer within 50ms' });
  });

  test('a closed port and a malformed path fail without throwing', async () => {
    const closed = await pickFreePort();
    assert.deepEqual(await probeHttp(closed, '/', 1000), { ok: false, detail: 'ECONNREFUSED' });
    assert.equal((await probeHttp(port, '/with space', 1000)).ok, false);
  });
});
