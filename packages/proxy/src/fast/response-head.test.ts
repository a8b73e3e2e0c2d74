import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChunkedScanner, MALFORMED, NEED_MORE } from './chunked-scanner.js';
import { INVALID_HEAD, parseResponseHead } from './response-head.js';
import type { ResponseHead } from './response-head.js';

function parse(lines: string[], headRequest = false): ResponseHead {
  const text = `${lines.join('\r\n')}\r\n\r\n`;
  const parsed = parseResponseHead(Buffer.from(text, 'latin1'), 0, text.length, headRequest);
  assert.ok(parsed !== undefined && parsed !== INVALID_HEAD, `expected ${JSON.stringify(text)} to parse`);
  return parsed;
}

function invalid(text: string): boolean {
  return parseResponseHead(Buffer.from(text, 'latin1'), 0, text.length, false) === INVALID_HEAD;
}

describe('parseResponseHead', () => {
  test('a length-framed response keeps its fields, drops hop-by-hop ones, and may be reused', () => {
    const head = parse(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Length: 12', 'Connection: keep-alive', 'Keep-Alive: timeout=5', 'X-Backend: v1']);
    assert.equal(head.status, 200);
    assert.equal(head.statusLine, 'HTTP/1.1 200 OK\r\n');
    assert.equal(head.kept, 'Content-Type: text/plain\r\nContent-Length: 12\r\nX-Backend: v1\r\n');
    assert.equal(head.framing, 'length');
    assert.equal(head.length, 12);
    assert.equal(head.upstreamClose, false);
  });

  test('chunked wins over Content-Length, which is dropped (RFC 9112 §6.3)', () => {
    const head = parse(['HTTP/1.1 200 OK', 'Content-Length: 99', 'Transfer-Encoding: chunked', 'X-A: 1']);
    assert.equal(head.framing, 'chunked');
    assert.equal(head.kept, 'Transfer-Encoding: chunked\r\nX-A: 1\r\n');
  });

  test('no framing, or a coding not ending in chunked, reads to close', () => {
    assert.equal(parse(['HTTP/1.1 200 OK', 'X-A: 1']).framing, 'close');
    const gzip = parse(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip']);
    assert.equal(gzip.framing, 'close');
    assert.equal(gzip.upstreamClose, true);
  });

  test('HEAD, 1xx, 204 and 304 have no body whatever they declare', () => {
    assert.equal(parse(['HTTP/1.1 200 OK', 'Content-Length: 10'], true).framing, 'none');
    assert.equal(parse(['HTTP/1.1 204 No Content']).framing, 'none');
    assert.equal(parse(['HTTP/1.1 304 Not Modified', 'Content-Length: 10']).framing, 'none');
    assert.equal(parse(['HTTP/1.1 103 Early Hints', 'Link: </a.css>']).framing, 'none');
  });

  test('Connection: close, HTTP/1.0 without keep-alive, and Connection-listed fields', () => {
    assert.equal(parse(['HTTP/1.1 200 OK', 'Content-Length: 0', 'Connection: close']).upstreamClose, true);
    assert.equal(parse(['HTTP/1.0 200 OK', 'Content-Length: 0']).upstreamClose, true);
    assert.equal(parse(['HTTP/1.0 200 OK', 'Content-Length: 0', 'Connection: keep-alive']).upstreamClose, false);
    const listed = parse(['HTTP/1.1 200 OK', 'Content-Length: 0', 'Connection: X-Internal', 'X-Internal: secret', 'X-Public: 1']);
    assert.equal(listed.kept, 'Content-Length: 0\r\nX-Public: 1\r\n');
    assert.equal(listed.statusLine, 'HTTP/1.1 200 OK\r\n');
  });

  test('a status line without a reason, and an HTTP/1.0 one rewritten to HTTP/1.1', () => {
    assert.equal(parse(['HTTP/1.1 200', 'Content-Length: 0']).statusLine, 'HTTP/1.1 200\r\n');
    assert.equal(parse(['HTTP/1.0 404 Not Found', 'Content-Length: 0']).statusLine, 'HTTP/1.1 404 Not Found\r\n');
  });

  test('a coding list is split on commas: "gzip chunked" is not chunked, "gzip, chunked" is', () => {
    assert.equal(parse(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip chunked']).framing, 'close');
    assert.equal(parse(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip , Chunked']).framing, 'chunked');
  });

  test('Connection never strips the framing fields; both framings mean the connection is not reused', () => {
    const listed = parse(['HTTP/1.1 200 OK', 'Connection: content-length, transfer-encoding', 'Content-Length: 5']);
    assert.equal(listed.kept, 'Content-Length: 5\r\n');
    assert.equal(listed.framing, 'length');
    assert.equal(parse(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked']).upstreamClose, true);
  });

  test('an equal repeated Content-Length is relayed once; Date is noted', () => {
    const head = parse(['HTTP/1.1 200 OK', 'Content-Length: 2', 'content-length: 2', 'Date: Fri, 04 Dec 2026 19:00:00 GMT']);
    assert.equal(head.kept, 'Content-Length: 2\r\nDate: Fri, 04 Dec 2026 19:00:00 GMT\r\n');
    assert.equal(head.hasDate, true);
    assert.equal(parse(['HTTP/1.1 200 OK', 'Content-Length: 2']).hasDate, false);
  });

  test('incomplete heads wait; malformed ones are refused', () => {
    assert.equal(parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nX-A: 1\r\n'), 0, 25, false), undefined);
    assert.equal(invalid('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), true);
    assert.equal(invalid('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n'), false);
    assert.equal(invalid('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'), true);
    assert.equal(invalid('HTTP/2.0 200 OK\r\n\r\n'), true);
    assert.equal(invalid('HTTP/1.1 20 OK\r\n\r\n'), true);
    assert.equal(invalid('HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n'), true);
    assert.equal(invalid('HTTP/1.1 200 OK\r\nX-A: 1\u00002\r\n\r\n'), true);
    assert.equal(invalid('ICY 200 OK\r\n\r\n'), true);
  });
});

describe('ChunkedScanner', () => {
  const body = '4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n';

  test('finds the end of a chunked body in one piece, byte by byte, and with bytes after it', () => {
    const whole = Buffer.from(body);
    assert.equal(new ChunkedScanner().scan(whole, 0, whole.length), whole.length);
    const scanner = new ChunkedScanner();
    let end = NEED_MORE;
    for (let i = 0; i < whole.length && end === NEED_MORE; i++) end = scanner.scan(whole, i, i + 1);
    assert.equal(end, whole.length);
    const more = Buffer.from(`${body}HTTP/1.1 200 OK`);
    assert.equal(new ChunkedScanner().scan(more, 0, more.length), whole.length);
  });

  test('a body without trailers, and reset between messages', () => {
    const scanner = new ChunkedScanner();
    const simple = Buffer.from('3\r\nabc\r\n0\r\n\r\n');
    assert.equal(scanner.scan(simple, 0, simple.length), simple.length);
    scanner.reset();
    assert.equal(scanner.scan(simple, 0, 5), NEED_MORE);
    assert.equal(scanner.scan(simple, 5, simple.length), simple.length);
  });

  for (const bad of ['x\r\n', '3\nabc\r\n0\r\n\r\n', '3\r\nabcd\r\n', '-1\r\n', '3\r\nabc\r\n0\r\nX: 1\n\r\n', `${'f'.repeat(20)}\r\n`]) {
    test(`refuses malformed framing ${JSON.stringify(bad)}`, () => {
      const buf = Buffer.from(bad);
      assert.equal(new ChunkedScanner().scan(buf, 0, buf.length), MALFORMED);
    });
  }
});
