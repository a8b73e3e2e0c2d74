import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { rawExchange, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream } from './testing/http-fixtures.js';

const HEAD = 'POST /x HTTP/1.1\r\nHost: shop\r\n';

/** Request shapes two HTTP parsers could read differently, and the status the proxy answers. Who rejects is in the name. */
const SHAPES: readonly (readonly [name: string, bytes: string, status: number])[] = [
  ['Node: Content-Length then Transfer-Encoding', `${HEAD}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['Node: Transfer-Encoding then Content-Length', `${HEAD}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400],
  ['Node: two Content-Length with different values', `${HEAD}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, 400],
  ['Node: two Content-Length with the same value', `${HEAD}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, 400],
  ['Node: a Content-Length list', `${HEAD}Content-Length: 5, 5\r\n\r\nhello`, 400],
  ['proxy (Node fails it only at the body): Transfer-Encoding without chunked', `${HEAD}Transfer-Encoding: gzip\r\n\r\nhello`, 400],
  ['Node: Transfer-Encoding not ending in chunked', `${HEAD}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`, 400],
  ['Node: Transfer-Encoding twice', `${HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['Node: a chunk size that is not hex', `${HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400],
  ['Node: a chunk size that overflows', `${HEAD}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n`, 400],
  ['Node: a chunk longer than its size', `${HEAD}Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n`, 400],
  ['Node: an obs-fold header continuation', 'GET / HTTP/1.1\r\nHost: shop\r\nX-A: one\r\n two\r\n\r\n', 400],
  ['Node: bare LF line ends', 'GET / HTTP/1.1\nHost: shop\n\n', 400],
  ['Node: a bare LF after one header', 'GET / HTTP/1.1\r\nHost: shop\nX-A: 1\r\n\r\n', 400],
  ['Node: a bare CR', 'GET / HTTP/1.1\r\nHost: shop\rX-A: 1\r\n\r\n', 400],
  ['Node: whitespace before the colon', `${HEAD}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, 400],
  ['proxy: a coding before chunked', `${HEAD}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501],
  ['proxy: Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['proxy: two Host headers', 'GET / HTTP/1.1\r\nHost: shop\r\nHost: evil\r\n\r\n', 400],
  ['proxy: HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
  ['proxy: HTTP/0.9', 'GET /\r\n\r\n', 505],
  ['proxy: HTTP/2.0 over HTTP/1 framing', 'GET / HTTP/2.0\r\nHost: shop\r\n\r\n', 505],
];

describe('BuiltinProxy rejects request-smuggling shapes', () => {
  let upstream: CountingUpstream;
  let proxy: BuiltinProxy;
  let address: string;
  const observations: ProxyObservation[] = [];

  before(async () => {
    upstream = await startCountingUpstream((req, res) => req.on('end', () => res.end('ok')).resume());
    proxy = new BuiltinProxy({ observer: (o) => observations.push(o) });
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [upstream.url] } };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' });
    address = proxy.observe('shop').address ?? '';
  });

  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  for (const [name, bytes, status] of SHAPES) {
    test(`BuiltinProxy answers ${status} and closes the connection for ${name}`, async () => {
      observations.length = 0;
      const res = await rawExchange(address, bytes);
      assert.equal(res.status, status, res.raw);
      assert.match(res.headers['content-type'] ?? '', /^application\/json/);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'INVALID_REQUEST');
      assert.ok(body.error.message.length > 20, body.error.message);
      assert.ok(res.closedByServer, 'the proxy closed the connection after answering');
      assert.equal(upstream.completed, 0, 'no ambiguous request reached the upstream whole');
      for (let i = 0; i < 100 && observations.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(observations[0]?.status, status);
      assert.equal(observations[0]?.cause, 'bad-request');
    });
  }

  test('BuiltinProxy still serves a well-formed chunked request after all that', async () => {
    const res = await rawExchange(address, `${HEAD}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.body, 'ok');
    assert.equal(upstream.completed, 1);
  });
});
