import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { eventually, rawExchange, splitAddress } from './testing/http-fixtures.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/**
 * A WebSocket-style upstream without a library: it checks the handshake, answers 101 with the
 * Sec-WebSocket-Accept of RFC 6455 and its name in X-Upstream, then echoes every byte.
 */
async function echoUpstream(name: string, seen: http.IncomingHttpHeaders[] = []): Promise<{ url: string; server: http.Server; tunnels: Set<net.Socket> }> {
  const server = http.createServer((_req, res) => res.end('not an upgrade'));
  const tunnels = new Set<net.Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(req.headers);
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    const key = req.headers['sec-websocket-key'];
    if (req.headers.upgrade !== 'websocket' || typeof key !== 'string' || !/upgrade/i.test(req.headers.connection ?? '')) {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Upstream: ${name}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, tunnels };
}

/** A raw client: sends the handshake (plus `early` bytes right behind it) and reads until the head is complete. */
async function handshake(address: string, headers: Record<string, string> = {}, early = ''): Promise<{ socket: net.Socket; head: string; rest: () => string; next: (n: number) => Promise<string> }> {
  const [host, port] = splitAddress(address);
  const socket = net.connect(port, host);
  let buffer = '';
  socket.on('data', (chunk: Buffer) => (buffer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`GET /chat HTTP/1.1\r\nHost: shop\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n${early}`);
  await eventually(() => buffer.includes('\r\n\r\n'), () => `no response head: ${JSON.stringify(buffer)}`);
  const end = buffer.indexOf('\r\n\r\n') + 4;
  const head = buffer.slice(0, end);
  let consumed = end;
  const rest = (): string => buffer.slice(consumed);
  const next = async (n: number): Promise<string> => {
    await eventually(() => buffer.length - consumed >= n, () => `waiting for ${n} bytes, have ${JSON.stringify(rest())}`);
    const out = buffer.slice(consumed, consumed + n);
    consumed += n;
    return out;
  };
  return { socket, head, rest, next };
}

describe('BuiltinProxy Upgrade pass-through', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });
  async function upstream(name: string, seen?: http.IncomingHttpHeaders[]) {
    const u = await echoUpstream(name, seen);
    closers.push(() => new Promise<void>((resolve) => {
      // Upgraded sockets are no longer the HTTP server's to close.
      for (const socket of u.tunnels) socket.destroy();
      u.server.closeAllConnections();
      u.server.close(() => resolve());
    }));
    return u;
  }
  async function proxyFor(backends: Record<string, string[]>, split: TrafficSplit, observations?: ProxyObservation[], drainTimeoutMs?: number) {
    const proxy = new BuiltinProxy({ ...(observations === undefined ? {} : { observer: (o: ProxyObservation) => observations.push(o) }), ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }) });
    closers.push(() => proxy.close());
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 's' }, backends };
    await proxy.upsert(route, split);
    return { proxy, address: proxy.observe('shop').address ?? '' };
  }

  test('BuiltinProxy relays a WebSocket handshake and echoes bytes both ways, bytes sent with the handshake included', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const v1 = await upstream('v1', seen);
    const observations: ProxyObservation[] = [];
    const { address } = await proxyFor({ v1: [v1.url] }, { stable: 'v1', weight: 0, salt: 's' }, observations);
    const client = await handshake(address, {}, 'early');
    closers.push(async () => void client.socket.destroy());
    assert.match(client.head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.ok(client.head.includes(`Sec-WebSocket-Accept: ${createHash('sha1').update(KEY + GUID).digest('base64')}\r\n`), client.head);
    assert.match(client.head, /x-sluice-version: v1\r\n/);
    assert.match(client.head, /set-cookie: s=/, 'a minted key is sent back, as for requests');
    assert.match(client.head, /X-Upstream: v1\r\n/);
    assert.equal(await client.next('early'.length), 'early');
    for (const message of ['hello', 'x'.repeat(300_000), 'bye']) {
      client.socket.write(message);
      assert.equal(await client.next(message.length), message);
    }
    client.socket.destroy();
    await eventually(() => observations.length === 1, () => 'one observation when the tunnel closes');
    assert.equal(observations[0]?.status, 101);
    assert.equal(observations[0]?.version, 'v1');
    assert.equal(seen[0]?.['x-forwarded-for'], '127.0.0.1');
    assert.match(String(seen[0]?.forwarded), /^for=127\.0\.0\.1;host="shop";proto=http$/);
  });

  test('BuiltinProxy keeps a sticky key on one version for upgrades too', async () => {
    const [v1, v2] = [await upstream('v1'), await upstream('v2')];
    const { address } = await proxyFor({ v1: [v1.url], v2: [v2.url] }, { stable: 'v1', canary: 'v2', weight: 50, salt: 's' });
    const versions = new Map<string, Set<string>>();
    for (let i = 0; i < 24; i++) {
      const key = `user-${i % 6}`;
      const client = await handshake(address, { 'x-user-id': key });
      const served = /x-sluice-version: (\S+)\r\n/.exec(client.head)?.[1] ?? '';
      assert.match(client.head, new RegExp(`X-Upstream: ${served}\r\n`), 'the version header names the upstream that answered');
      assert.doesNotMatch(client.head, /set-cookie/, 'a request with its key gets no cookie');
      client.socket.destroy();
      versions.set(key, (versions.get(key) ?? new Set()).add(served));
    }
    for (const [key, seen] of versions) assert.equal(seen.size, 1, `${key} saw ${[...seen].join(', ')}`);
    assert.deepEqual(new Set([...versions.values()].flatMap((v) => [...v])), new Set(['v1', 'v2']));
  });

  test('BuiltinProxy relays an upstream refusing the upgrade, then closes', async () => {
    const v1 = await upstream('v1');
    const { address } = await proxyFor({ v1: [v1.url] }, { stable: 'v1', weight: 0, salt: 's' });
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: shop\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    assert.equal(res.status, 400, res.raw);
    assert.equal(res.headers['x-sluice-version'], 'v1');
    assert.ok(res.closedByServer);
  });

  test('BuiltinProxy answers an upgrade with no instance 503, and a malformed one 400, as JSON', async () => {
    const { address } = await proxyFor({ v1: [] }, { stable: 'v1', weight: 0, salt: 's' });
    const none = await rawExchange(address, `GET / HTTP/1.1\r\nHost: shop\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`);
    assert.equal(none.status, 503, none.raw);
    assert.deepEqual(JSON.parse(none.body), { error: { code: 'ADAPTER_FAILED', message: 'no ready instance of shop version v1' } });
    assert.ok(none.closedByServer);
    const twoHosts = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    assert.equal(twoHosts.status, 400, twoHosts.raw);
  });

  test('BuiltinProxy close waits drainTimeoutMs for open tunnels, then cuts them', async () => {
    const v1 = await upstream('v1');
    const { proxy, address } = await proxyFor({ v1: [v1.url] }, { stable: 'v1', weight: 0, salt: 's' }, undefined, 100);
    const client = await handshake(address);
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    await proxy.close();
    await closed;
    assert.ok(client.socket.destroyed);
  });
});
