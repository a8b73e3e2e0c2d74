import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterResponseHeaders, scanRequestHeaders } from './forward-headers.js';

const lookup = { stickyHeader: 'x-user-id', cookie: 'sluice' };

test('scanRequestHeaders drops hop-by-hop fields and the Host, keeping order and duplicates', () => {
  const scanned = scanRequestHeaders(
    ['Host', 'shop.local', 'Connection', 'keep-alive, X-Trace', 'X-Trace', '1', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Upgrade', 'h2c',
      'Proxy-Connection', 'x', 'Expect', '100-continue', 'Accept', 'a', 'accept', 'b'],
    lookup,
    '10.1.1.1',
  );
  assert.deepEqual(scanned.headers, ['Accept', 'a', 'accept', 'b', 'x-forwarded-for', '10.1.1.1', 'x-forwarded-proto', 'http', 'x-forwarded-host', 'shop.local',
    'forwarded', 'for=10.1.1.1;host="shop.local";proto=http']);
  assert.equal(scanned.hasBody, false);
  assert.equal(scanned.key, undefined);
});

test('scanRequestHeaders appends to X-Forwarded-For and keeps an earlier proxy\'s proto and host', () => {
  const scanned = scanRequestHeaders(
    ['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'edge', 'host', 'inner'],
    lookup,
    '3.3.3.3',
  );
  assert.deepEqual(scanned.headers, ['X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'edge', 'x-forwarded-for', '1.1.1.1, 2.2.2.2, 3.3.3.3',
    'forwarded', 'for=3.3.3.3;host="inner";proto=http']);
});

test('scanRequestHeaders takes the key from the header before the cookie, ignoring an empty header', () => {
  assert.equal(scanRequestHeaders(['X-User-Id', 'u1', 'Cookie', 'sluice=c1'], lookup, undefined).key, 'u1');
  assert.equal(scanRequestHeaders(['Cookie', 'sluice=c1', 'X-User-Id', 'u1'], lookup, undefined).key, 'u1');
  assert.equal(scanRequestHeaders(['X-User-Id', '', 'Cookie', 'a=1; sluice=c1'], lookup, undefined).key, 'c1');
  assert.equal(scanRequestHeaders(['Cookie', 'a=1', 'Cookie', 'sluice=c2'], lookup, undefined).key, 'c2');
  assert.equal(scanRequestHeaders(['X-User-Id', 'u1'], { stickyHeader: undefined, cookie: 'sluice' }, undefined).key, undefined);
});

test('scanRequestHeaders reads a sticky header the forwarding logic also rewrites (x-forwarded-for)', () => {
  const byClientIp = { stickyHeader: 'x-forwarded-for', cookie: 'sluice' };
  assert.equal(scanRequestHeaders(['X-Forwarded-For', '203.0.113.7'], byClientIp, undefined).key, '203.0.113.7');
});

test('scanRequestHeaders marks bodies and re-chunks a chunked body', () => {
  assert.equal(scanRequestHeaders(['Content-Length', '0'], lookup, undefined).hasBody, false);
  assert.equal(scanRequestHeaders(['Content-Length', '12'], lookup, undefined).hasBody, true);
  const chunked = scanRequestHeaders(['Transfer-Encoding', 'chunked'], lookup, undefined);
  assert.equal(chunked.hasBody, true);
  assert.deepEqual(chunked.headers.slice(-2), ['transfer-encoding', 'chunked']);
});

test('filterResponseHeaders drops hop-by-hop and Connection-listed fields', () => {
  assert.deepEqual(
    filterResponseHeaders(['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5',
      'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']),
    ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'],
  );
});

test('scanRequestHeaders appends an RFC 7239 Forwarded element, quoting IPv6 nodes and the host', () => {
  const v6 = scanRequestHeaders(['Host', 'shop:8080', 'Forwarded', 'for=192.0.2.43'], lookup, '::1');
  assert.deepEqual(v6.headers.slice(-2), ['forwarded', 'for=192.0.2.43, for="[::1]";host="shop:8080";proto=http']);
  const noHost = scanRequestHeaders([], lookup, undefined);
  assert.deepEqual(noHost.headers.slice(-2), ['forwarded', 'for=unknown;proto=http']);
  const odd = scanRequestHeaders(['Host', 'a"b'], lookup, '10.0.0.1');
  assert.deepEqual(odd.headers.slice(-2), ['forwarded', 'for=10.0.0.1;host="a\\"b";proto=http']);
});

test('scanRequestHeaders flags framing a proxy must not pass on', () => {
  const problem = (raw: string[], http10 = false): string | undefined => {
    const p = scanRequestHeaders(raw, lookup, undefined, http10).problem;
    return p === undefined ? undefined : `${p.status} ${p.cause}`;
  };
  assert.equal(problem(['Host', 'a', 'Host', 'b']), '400 bad-request');
  assert.equal(problem(['Content-Length', '1', 'Content-Length', '1']), '400 bad-request');
  assert.equal(problem(['Content-Length', '1', 'Transfer-Encoding', 'chunked']), '400 bad-request');
  assert.equal(problem(['Transfer-Encoding', 'chunked'], true), '400 bad-request');
  assert.equal(problem(['Transfer-Encoding', 'gzip']), '400 bad-request');
  assert.equal(problem(['Transfer-Encoding', 'chunked, gzip']), '400 bad-request');
  assert.equal(problem(['Transfer-Encoding', 'gzip, chunked']), '501 bad-request');
  assert.equal(problem(['Transfer-Encoding', 'Chunked']), undefined);
  assert.equal(problem(['Host', 'a', 'Content-Length', '3']), undefined);
  const chunked = scanRequestHeaders(['Transfer-Encoding', 'chunked'], lookup, undefined);
  assert.deepEqual([chunked.chunked, chunked.contentLength], [true, -1]);
  assert.equal(scanRequestHeaders(['Content-Length', '42'], lookup, undefined).contentLength, 42);
});

test('scanRequestHeaders keeps the Upgrade value aside and out of the forwarded headers', () => {
  const scanned = scanRequestHeaders(['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Key', 'k'], lookup, undefined);
  assert.equal(scanned.upgrade, 'websocket');
  assert.deepEqual(scanned.headers.slice(0, 2), ['Sec-WebSocket-Key', 'k']);
  assert.ok(!scanned.headers.some((h) => /^(upgrade|connection)$/i.test(h)));
});
