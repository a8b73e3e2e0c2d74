import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { rawExchange, startUpstream } from './testing/http-fixtures.js';
import type { TestUpstream } from './testing/http-fixtures.js';

const SPLIT = { stable: 'v1', weight: 0, salt: 's' };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function route(service: string, listen: string, backend: string, hosts?: string[], cookie = `${service}-c`): RouteSpec {
  const base = { service, listen, stickiness: { cookie }, backends: { v1: [backend] } };
  return hosts === undefined ? base : { ...base, hosts };
}

/** The upstream that answered (it answers its name), the status, and the proxy's headers. */
async function ask(address: string, host: string, extra = ''): Promise<{ status: number; upstream: string | undefined; cookie: string | undefined; body: string }> {
  const res = await rawExchange(address, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`);
  return { status: res.status, upstream: res.status === 200 ? res.body : undefined, cookie: res.headers['set-cookie'], body: res.body };
}

describe('BuiltinProxy: several services on one address, chosen by Host', () => {
  let shop: TestUpstream;
  let blog: TestUpstream;
  let other: TestUpstream;
  let proxy: BuiltinProxy;
  let listen: string;
  const seen: ProxyObservation[] = [];

  before(async () => {
    [shop, blog, other] = await Promise.all([startUpstream('shop'), startUpstream('blog'), startUpstream('other')]);
  });
  after(async () => {
    await Promise.all([shop.close(), blog.close(), other.close()]);
  });
  afterEach(async () => {
    seen.length = 0;
    await proxy.close();
  });

  async function start(): Promise<void> {
    listen = `127.0.0.1:${await freePort()}`;
    proxy = new BuiltinProxy({ observer: (o) => seen.push(o) });
    await proxy.upsert(route('shop', listen, shop.url, ['shop.example.com', '*.shop.example.com']), SPLIT);
    await proxy.upsert(route('blog', listen, blog.url, ['blog.example.com']), SPLIT);
  }

  test('each Host reaches its service, by exact name, wildcard, any case, with or without a port', async () => {
    await start();
    assert.equal((await ask(listen, 'shop.example.com')).upstream, 'shop');
    assert.equal((await ask(listen, 'EU.Shop.Example.com:8080')).upstream, 'shop');
    assert.equal((await ask(listen, 'a.b.shop.example.com')).upstream, 'shop');
    assert.equal((await ask(listen, 'blog.example.com.')).upstream, 'blog');
    assert.equal(proxy.observe('shop').address, proxy.observe('blog').address, 'one listener');
    assert.deepEqual(new Set(seen.map((o) => o.service)), new Set(['shop', 'blog']));
  });

  test('each service keeps its own stickiness cookie, on the fast path and on node:http', async () => {
    await start();
    const fast = await ask(listen, 'blog.example.com');
    assert.match(fast.cookie ?? '', /^blog-c=/);
    const chunked = await rawExchange(listen, 'POST / HTTP/1.1\r\nHost: shop.example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n');
    assert.equal(chunked.body, 'shop');
    assert.match(chunked.headers['set-cookie'] ?? '', /^shop-c=/);
    const sticky = await ask(listen, 'shop.example.com', 'Cookie: blog-c=x; shop-c=mine\r\n');
    assert.equal(sticky.cookie, undefined, 'the shop cookie was read, not the blog one');
  });

  test('a Host no service names is answered 421 with a JSON body; a service without hosts takes it instead', async () => {
    await start();
    const missed = await ask(listen, 'unknown.example.org');
    assert.equal(missed.status, 421);
    const error = JSON.parse(missed.body) as { error: { code: string; message: string } };
    assert.equal(error.error.code, 'SERVICE_NOT_FOUND');
    assert.match(error.error.message, /answers host "unknown.example.org"; expected one of: .*shop.example.com/);
    const upgrade = await rawExchange(listen, 'GET / HTTP/1.1\r\nHost: nope\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.equal(upgrade.status, 421);
    await proxy.upsert(route('other', listen, other.url), SPLIT);
    assert.equal((await ask(listen, 'unknown.example.org')).upstream, 'other');
    assert.equal((await ask(listen, 'shop.example.com')).upstream, 'shop');
  });

  test('clashing claims are refused and change nothing', async () => {
    await start();
    await proxy.upsert(route('other', listen, other.url), SPLIT);
    await assert.rejects(proxy.upsert(route('fourth', listen, other.url), SPLIT), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INVALID_SPEC');
      assert.match(e.message, /cannot share .* with route "other": neither names hosts/);
      return true;
    });
    await assert.rejects(proxy.upsert(route('blog', listen, blog.url, ['shop.example.com']), SPLIT), /both name host "shop.example.com"/);
    assert.equal((await ask(listen, 'blog.example.com')).upstream, 'blog', 'blog kept its hosts');
    assert.throws(() => proxy.observe('fourth'), /no route for service "fourth"/);
  });

  test('a service changes its hosts or leaves; the last one out closes the address', async () => {
    await start();
    await proxy.upsert(route('blog', listen, blog.url, ['news.example.com']), SPLIT);
    assert.equal((await ask(listen, 'news.example.com')).upstream, 'blog');
    assert.equal((await ask(listen, 'blog.example.com')).status, 421);
    await proxy.remove('shop');
    assert.equal((await ask(listen, 'shop.example.com')).status, 421);
    assert.equal((await ask(listen, 'news.example.com')).upstream, 'blog');
    await proxy.remove('blog');
    await assert.rejects(rawExchange(listen, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'), /ECONNREFUSED/);
  });
});
