import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

/** An upstream on 127.0.0.1:0 that reads the whole body, then answers how many bytes it got. */
async function countingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.end(`got ${bytes}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** POSTs `bytes` bytes (with Content-Length) to host:port through a fresh connection. */
function post(address: string, bytes: number): Promise<{ status: number; body: string }> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)), method: 'POST', path: '/upload', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(Buffer.alloc(bytes, 'x'));
  });
}

/** A port nothing listens on right now (for a fixed listen address that apply must reject). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const serviceYaml = (name: string, listen: string, upstream: string, extra = '') => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: ${name} }
spec:
  listen: ${listen}
  versions: { v1: { upstreams: ["${upstream}"] } }
  stable: v1
${extra}`;

describe('Service proxy settings end to end (CLI → API → store → controller → built-in proxy)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  let upstream: Awaited<ReturnType<typeof countingUpstream>>;

  before(async () => {
    dir = await tempDir('sluice-proxy-settings-');
    upstream = await countingUpstream();
    server = await startServer(`${dir.path}/data`);
  });
  after(async () => {
    await server?.stop();
    await upstream?.close();
    await dir?.remove();
  });

  const addressOf = (name: string) =>
    waitFor(`the proxy of ${name} to listen`, async () => (await getJson(`${server.url}/api/v1/services/${name}`)).traffic?.address as string | undefined);

  test('a Service with maxBodySize 1KiB answers 413 to a 2 KiB POST, while a default Service passes it', async () => {
    const text = `${serviceYaml('small', '127.0.0.1:0', upstream.url, '  proxy: { limits: { maxBodySize: 1KiB } }\n')}---\n${serviceYaml('roomy', '127.0.0.1:0', upstream.url)}`;
    const applied = await sluice(server.url, ['apply', '-f', await writeSpec(dir.path, 'limits.yaml', text)]);
    assert.equal(applied.code, 0, applied.stderr);
    const small = await addressOf('small');
    const roomy = await addressOf('roomy');

    const rejected = await post(small, 2048);
    assert.equal(rejected.status, 413, rejected.body);
    const error = JSON.parse(rejected.body) as { error: { code: string; details?: unknown } };
    assert.equal(error.error.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(error.error.details, { limit: 'maxBodyBytes', value: 1024 });
    assert.deepEqual(await post(small, 512), { status: 200, body: 'got 512' });
    assert.deepEqual(await post(roomy, 2048), { status: 200, body: 'got 2048' });
    const stored = await getJson(`${server.url}/api/v1/services/small`);
    assert.deepEqual(stored.spec.proxy, { limits: { maxBodyBytes: 1024 } });
  });

  test('apply rejects a host another stored Service claims on its address, exits 2 and applies nothing', async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    const first = await writeSpec(dir.path, 'a.yaml', serviceYaml('shop', listen, upstream.url, '  hosts: [shop.example.com]\n'));
    assert.equal((await sluice(server.url, ['apply', '-f', first])).code, 0);
    const before_ = JSON.stringify((await getJson(`${server.url}/api/v1/services`)).items.map((s: { name: string; version: number }) => [s.name, s.version]));
    const second = await writeSpec(dir.path, 'b.yaml', serviceYaml('api', listen, upstream.url, '  hosts: [api.example.com, Shop.example.com]\n'));
    for (const verb of ['apply', 'validate']) {
      const result = await sluice(server.url, [verb, '-f', second]);
      assert.equal(result.code, 2, `${verb}: exit ${result.code}\n${result.stderr}`);
      assert.match(result.stderr, /b\.yaml:8:28: spec\.hosts\[1\]: host "shop\.example\.com" on 127\.0\.0\.1:\d+ is already claimed by Service "shop" \(applied before\); Service "api" cannot claim it too/);
    }
    const after_ = JSON.stringify((await getJson(`${server.url}/api/v1/services`)).items.map((s: { name: string; version: number }) => [s.name, s.version]));
    assert.equal(after_, before_, 'nothing was applied');
  });
});
