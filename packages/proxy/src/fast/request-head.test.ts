import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstHeaderValue, headerValue } from './fast-request-view.js';
import { parseRequestHead } from './request-head.js';
import type { RequestHead } from './request-head.js';

const STICKY = { stickyHeader: 'x-user-id', cookie: 'sluice-shop' };

function parse(text: string, max = 16 * 1024): RequestHead | undefined {
  return parseRequestHead(Buffer.from(text, 'latin1'), 0, Buffer.byteLength(text, 'latin1'), max, STICKY);
}

function head(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('parseRequestHead: what the fast path takes', () => {
  test('a plain GET: method, target, host, fields kept in order without Host and hop-by-hop ones', () => {
    const parsed = parse(head(['GET /cart?id=1 HTTP/1.1', 'Host: shop:8080', 'Accept: */*', 'Connection: keep-alive', 'X-Trace: a b', 'TE: trailers']));
    assert.ok(parsed);
    assert.equal(parsed.method, 'GET');
    assert.equal(parsed.target, '/cart?id=1');
    assert.equal(parsed.host, 'shop:8080');
    assert.equal(parsed.keepAlive, true);
    assert.equal(parsed.contentLength, 0);
    assert.equal(parsed.kept, 'Accept: */*\r\nX-Trace: a b\r\n');
    assert.equal(parsed.headEnd, Buffer.byteLength(head(['GET /cart?id=1 HTTP/1.1', 'Host: shop:8080', 'Accept: */*', 'Connection: keep-alive', 'X-Trace: a b', 'TE: trailers'])));
  });

  test('Connection: close, Content-Length, and forwarding fields are noted; the forwarding ones are dropped to be rewritten', () => {
    const parsed = parse(head([
      'POST /api HTTP/1.1', 'host: shop', 'content-length: 5', 'connection: Close', 'X-Forwarded-For: 10.0.0.1', 'x-forwarded-for: 10.0.0.2',
      'Forwarded: for=10.0.0.1', 'X-Forwarded-Proto: https', 'X-Forwarded-Host: shop.example', 'Keep-Alive: timeout=5', 'Proxy-Connection: x',
    ]));
    assert.ok(parsed);
    assert.equal(parsed.keepAlive, false);
    assert.equal(parsed.contentLength, 5);
    assert.equal(parsed.forwardedFor, '10.0.0.1, 10.0.0.2');
    assert.equal(parsed.forwarded, 'for=10.0.0.1');
    assert.equal(parsed.hasProto, true);
    assert.equal(parsed.hasForwardedHost, true);
    assert.equal(parsed.kept, 'content-length: 5\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n');
  });

  test('the stickiness key: the header first (even a consumed one), else the cookie', () => {
    assert.equal(parse(head(['GET / HTTP/1.1', 'Host: a', 'Cookie: x=1; sluice-shop=c1', 'X-User-Id: alice']))?.key, 'alice');
    assert.equal(parse(head(['GET / HTTP/1.1', 'Host: a', 'Cookie: x=1; sluice-shop=c1']))?.key, 'c1');
    assert.equal(parse(head(['GET / HTTP/1.1', 'Host: a', 'X-User-Id:', 'Cookie: sluice-shop="q"']))?.key, 'q');
    assert.equal(parse(head(['GET / HTTP/1.1', 'Host: a']))?.key, undefined);
    const viaHost = parseRequestHead(Buffer.from(head(['GET / HTTP/1.1', 'Host: tenant-7'])), 0, 100, 1024, { stickyHeader: 'host', cookie: 'c' });
    assert.equal(viaHost?.key, 'tenant-7');
  });

  test('header values are found for rules, joined as node:http joins them', () => {
    const parsed = parse(head(['GET / HTTP/1.1', 'Host: a', 'X-Region: eu', 'Cookie: a=1', 'x-region:  us ', 'cookie: b=2', 'User-Agent: beta-app', 'User-Agent: other', 'X-User-Id:', 'X-User-Id: u2']));
    assert.ok(parsed);
    assert.equal(headerValue(parsed, 'x-region'), 'eu, us');
    assert.equal(headerValue(parsed, 'cookie'), 'a=1; b=2');
    assert.equal(headerValue(parsed, 'user-agent'), 'beta-app', 'node:http keeps the first User-Agent only');
    assert.equal(firstHeaderValue(parsed, 'x-user-id'), 'u2', 'the stickiness key is the first non-empty value');
    assert.equal(headerValue(parsed, 'host'), 'a');
    assert.equal(headerValue(parsed, 'x-missing'), undefined);
  });

  test('obs-text in values and a head followed by more bytes (a body, a pipelined request) parse', () => {
    const text = `${head(['GET / HTTP/1.1', 'Host: a', 'X-Name: caf\u00e9'])}GET /next HTTP/1.1\r\n`;
    const parsed = parse(text);
    assert.ok(parsed);
    assert.equal(parsed.kept, 'X-Name: caf\u00e9\r\n');
    assert.equal(text.slice(parsed.headEnd), 'GET /next HTTP/1.1\r\n');
  });
});

describe('parseRequestHead: what goes to node:http instead', () => {
  const cases: [string, string][] = [
    ['an incomplete head', 'GET / HTTP/1.1\r\nHost: a\r\n'],
    ['HTTP/1.0', head(['GET / HTTP/1.0', 'Host: a'])],
    ['HTTP/2.0 request line', head(['GET / HTTP/2.0', 'Host: a'])],
    ['HTTP/0.9 request line', 'GET /\r\n\r\n'],
    ['absolute-form target', head(['GET http://a/ HTTP/1.1', 'Host: a'])],
    ['asterisk-form target', head(['OPTIONS * HTTP/1.1', 'Host: a'])],
    ['a lower-case method', head(['get / HTTP/1.1', 'Host: a'])],
    ['CONNECT (the rest of the connection is a tunnel)', head(['CONNECT /x HTTP/1.1', 'Host: a'])],
    ['a method node:http does not know', head(['FOO / HTTP/1.1', 'Host: a'])],
    ['no Host', head(['GET / HTTP/1.1', 'Accept: */*'])],
    ['an empty Host', head(['GET / HTTP/1.1', 'Host:'])],
    ['two Hosts', head(['GET / HTTP/1.1', 'Host: a', 'Host: b'])],
    ['Content-Length and Transfer-Encoding', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Transfer-Encoding: chunked'])],
    ['Transfer-Encoding alone', head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'])],
    ['two Content-Lengths', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Content-Length: 3'])],
    ['a signed Content-Length', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: +3'])],
    ['a Content-Length list', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 3, 3'])],
    ['Expect', head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Expect: 100-continue'])],
    ['Upgrade', head(['GET / HTTP/1.1', 'Host: a', 'Connection: Upgrade', 'Upgrade: websocket'])],
    ['a Connection naming other fields', head(['GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive, X-Secret'])],
    ['obs-fold', head(['GET / HTTP/1.1', 'Host: a', 'X-A: 1', ' folded'])],
    ['a space before the colon', head(['GET / HTTP/1.1', 'Host: a', 'X-A : 1'])],
    ['a bare LF inside the head', 'GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n'],
    ['a bare CR in a value', head(['GET / HTTP/1.1', 'Host: a', 'X-A: 1\r2'])],
    ['a NUL in a value', head(['GET / HTTP/1.1', 'Host: a', 'X-A: 1\u00002'])],
    ['a control byte in the target', head(['GET /a\u0001 HTTP/1.1', 'Host: a'])],
    ['a name with a non-token byte', head(['GET / HTTP/1.1', 'Host: a', 'X(A): 1'])],
  ];
  for (const [what, text] of cases) {
    test(what, () => assert.equal(parse(text), undefined));
  }

  test('a head larger than the limit', () => {
    const text = head(['GET / HTTP/1.1', 'Host: a', `X-Big: ${'x'.repeat(2000)}`]);
    assert.ok(parse(text, 4096));
    assert.equal(parse(text, 1024), undefined);
  });
});
