import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import { rawExchange, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream } from './testing/http-fixtures.js';

// Found by proxy-fuzz.int.test.ts: a request node:http reads as valid but the proxy refuses (two Host
// headers), with a second request pipelined behind it in the same packet. The proxy answered 400 with
// `Connection: close` and then forwarded the second one anyway, whose answer could never be sent.
describe('BuiltinProxy serves nothing pipelined behind a refused request', () => {
  let upstream: CountingUpstream;
  let proxy: BuiltinProxy;
  let address: string;
  const paths: string[] = [];

  before(async () => {
    upstream = await startCountingUpstream((req, res) => {
      paths.push(req.url ?? '');
      req.on('end', () => res.end('ok')).resume();
    });
    proxy = new BuiltinProxy({ drainTimeoutMs: 5_000 });
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [upstream.url] } };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' });
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  const refused = 'POST / HTTP/1.1\r\nHost: shop\r\nHost: evil\r\nContent-Length: 0\r\n\r\n';
  for (const [name, second] of [
    ['a request', 'GET /smuggled HTTP/1.1\r\nHost: shop\r\n\r\n'],
    ['an upgrade', 'GET /smuggled HTTP/1.1\r\nHost: shop\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'],
  ] as const) {
    test(`BuiltinProxy answers 400, closes, and never forwards ${name} pipelined behind it`, async () => {
      const res = await rawExchange(address, refused + second);
      assert.equal(res.status, 400, res.raw);
      assert.match(res.body, /"code":"INVALID_REQUEST"/);
      assert.ok(res.closedByServer);
      assert.equal((res.raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, `one answer only: ${res.raw}`);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(paths, []);
    });
  }

  test('BuiltinProxy drains at once afterwards: no exchange was left in flight', async () => {
    const started = Date.now();
    await proxy.close();
    assert.ok(Date.now() - started < 1_000, `close took ${Date.now() - started} ms`);
  });
});
