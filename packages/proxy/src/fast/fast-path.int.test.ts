import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from '../builtin-proxy.js';
import type { ProxyObservation } from '../observation.js';
import { eventually, rawExchange, startCountingUpstream } from '../testing/http-fixtures.js';
import type { CountingUpstream } from '../testing/http-fixtures.js';
import { KEEP_ALIVE_MS } from './fast-connection.js';
import { IDLE_SOCKET_MS } from './upstream-pool.js';

const STABLE = { stable: 'v1', weight: 0, salt: 's' };

function route(backend: string): RouteSpec {
  return { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'sc' }, backends: { v1: [backend] } };
}

/** An upstream that answers each request (ended by a blank line) with whatever `answer` returns, raw. */
async function rawUpstream(answer: (head: string, socket: net.Socket) => string | undefined): Promise<{ url: string; heads: string[]; connections: number; close(): Promise<void> }> {
  const state = { url: '', heads: [] as string[], connections: 0, close: async () => undefined as void };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\r\n\r\n');
      while (end !== -1) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        state.heads.push(head);
        const reply = answer(head, socket);
        if (reply !== undefined) socket.write(reply, 'latin1');
        end = buffered.indexOf('\r\n\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** An upstream answer that closes each connection as its second request arrives: the keep-alive race. */
function closeOnSecondRequest(): (head: string, socket: net.Socket) => string | undefined {
  const served = new WeakMap<net.Socket, number>();
  return (_head, socket) => {
    const count = (served.get(socket) ?? 0) + 1;
    served.set(socket, count);
    if (count !== 2) return 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    socket.destroy();
    return undefined;
  };
}

/** Splits a raw byte stream of several responses into status codes, in order. */
function statuses(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
}

describe('BuiltinProxy fast path: requests on raw sockets', () => {
  let upstream: CountingUpstream;
  let proxy: BuiltinProxy;
  let address: string;
  const seen: ProxyObservation[] = [];

  before(async () => {
    upstream = await startCountingUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() })));
    });
    proxy = new BuiltinProxy({ observer: (o) => seen.push(o) });
    await proxy.upsert(route(upstream.url), STABLE);
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });
  afterEach(() => {
    seen.length = 0;
  });

  test('a simple GET takes the fast path: forwarding headers, version, sticky cookie, keep-alive', async () => {
    const res = await rawExchange(address, 'GET /a?b=1 HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 10.1.1.1\r\nConnection: keep-alive\r\nX-A: 1\r\n\r\n', 500);
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.headers['x-sluice-version'], 'v1');
    assert.match(res.headers['set-cookie'] ?? '', /^sc=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(res.closedByServer, false, 'keep-alive: the proxy left the connection open');
    const echoed = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
    assert.equal(echoed.url, '/a?b=1');
    assert.equal(echoed.headers['x-forwarded-for'], '10.1.1.1, 127.0.0.1');
    assert.equal(echoed.headers['x-forwarded-host'], 'shop.test');
    assert.equal(echoed.headers['x-forwarded-proto'], 'http');
    assert.equal(echoed.headers.forwarded, 'for=127.0.0.1;host="shop.test";proto=http');
    assert.equal(echoed.headers.host, new URL(upstream.url).host);
    assert.equal(echoed.headers['x-a'], '1');
    await eventually(() => seen.length === 1, () => `${seen.length} observations`);
    assert.equal(seen[0]?.fast, true);
    assert.equal(seen[0]?.status, 200);
  });

  test('pipelined requests are answered in order on one connection, small bodies included', async () => {
    const bytes =
      'GET /1 HTTP/1.1\r\nHost: a\r\nX-User-Id: u1\r\n\r\n' +
      'POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    const res = await rawExchange(address, bytes);
    assert.deepEqual(statuses(res.raw), [200, 200, 200]);
    assert.ok(res.closedByServer, 'Connection: close on the last request closes the connection');
    const bodies = res.raw.split(/HTTP\/1\.1 200 OK/).slice(1).map((part) => JSON.parse(part.slice(part.indexOf('\r\n\r\n') + 4)) as { url: string; body: string });
    assert.deepEqual(bodies.map((b) => b.url), ['/1', '/2', '/3']);
    assert.equal(bodies[1]?.body, 'hello');
    assert.doesNotMatch(res.raw.split('HTTP/1.1 200 OK')[1] ?? '', /set-cookie/i, 'a request with a sticky header gets no cookie');
    await eventually(() => seen.length === 3, () => `${seen.length} observations`);
    assert.deepEqual(seen.map((o) => o.fast), [true, true, true]);
  });

  test('a body sent after its head, in pieces, is read whole before it is forwarded', async () => {
    const socket = net.connect(Number(address.split(':')[1]), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write('PUT /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nConnection: close\r\n\r\n');
    await new Promise((r) => setTimeout(r, 30));
    socket.write('hello ');
    await new Promise((r) => setTimeout(r, 30));
    socket.write('world');
    await new Promise((r) => socket.on('close', r));
    const raw = Buffer.concat(chunks).toString();
    assert.match(raw, /"body":"hello world"/);
    assert.equal(seen[0]?.fast, true);
  });

  test('a fresh connection waits for its first request as long as headersTimeoutMs (as node:http does), not just the keep-alive period', async () => {
    const patient = new BuiltinProxy({ limits: { headersTimeoutMs: 9_000 } });
    const brief = new BuiltinProxy({ limits: { headersTimeoutMs: 300 } });
    try {
      await patient.upsert(route(upstream.url), STABLE);
      await brief.upsert(route(upstream.url), STABLE);
      const portOf = (p: BuiltinProxy) => Number((p.observe('shop').address ?? '').split(':')[1]);
      const idle = net.connect(portOf(brief), '127.0.0.1');
      idle.on('error', () => undefined);
      const started = Date.now();
      await new Promise((r) => idle.on('close', r));
      assert.ok(Date.now() - started < 2_000, `a fresh connection without a request closes after headersTimeoutMs (300 ms), not ${Date.now() - started} ms`);
      const socket = net.connect(portOf(patient), '127.0.0.1');
      socket.on('error', () => undefined);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((r) => setTimeout(r, KEEP_ALIVE_MS + 500));
      socket.write('GET /late HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      await new Promise((r) => socket.on('close', r));
      const raw = Buffer.concat(chunks).toString();
      assert.match(raw, /^HTTP\/1\.1 200/, `a first request ${KEEP_ALIVE_MS + 500} ms after connecting is served: ${JSON.stringify(raw)}`);
      assert.match(raw, /"url":"\/late"/);
    } finally {
      await patient.close();
      await brief.close();
    }
  });

  test('a small body trickling in, each piece within idleTimeoutMs, is not cut', async () => {
    const slow = new BuiltinProxy({ limits: { idleTimeoutMs: 300 } });
    try {
      await slow.upsert(route(upstream.url), STABLE);
      const port = Number((slow.observe('shop').address ?? '').split(':')[1]);
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.write('POST /trickle HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nConnection: close\r\n\r\n');
      for (const byte of 'abcdef') {
        await new Promise((r) => setTimeout(r, 120));
        socket.write(byte);
      }
      await new Promise((r) => socket.on('close', r));
      const raw = Buffer.concat(chunks).toString();
      assert.match(raw, /^HTTP\/1\.1 200/, raw);
      assert.match(raw, /"body":"abcdef"/);
    } finally {
      await slow.close();
    }
  });

  test('what the fast path does not take goes to node:http on the same connection, which then keeps it', async () => {
    const bytes =
      'GET /fast HTTP/1.1\r\nHost: a\r\n\r\n' +
      'POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
      'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    const res = await rawExchange(address, bytes);
    assert.deepEqual(statuses(res.raw), [200, 200, 200]);
    assert.match(res.raw, /"url":"\/chunked".*"body":"hello"/);
    await eventually(() => seen.length === 3, () => `${seen.length} observations`);
    assert.deepEqual(seen.map((o) => o.fast === true), [true, false, false]);
  });

  test('a smuggling shape after a fast request on a keep-alive connection is refused by node:http', async () => {
    const before = upstream.completed;
    const bytes = 'GET /ok HTTP/1.1\r\nHost: a\r\n\r\nPOST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    const res = await rawExchange(address, bytes);
    assert.deepEqual(statuses(res.raw), [200, 400]);
    assert.ok(res.closedByServer);
    assert.equal(upstream.completed, before + 1, 'only the well-formed request reached the upstream');
  });
});

describe('BuiltinProxy fast path: upstream responses', () => {
  let proxy: BuiltinProxy;
  let upstream: Awaited<ReturnType<typeof rawUpstream>> | undefined;
  const seen: ProxyObservation[] = [];

  async function serve(answer: (head: string, socket: net.Socket) => string | undefined): Promise<string> {
    upstream = await rawUpstream(answer);
    proxy = new BuiltinProxy({ observer: (o) => seen.push(o) });
    await proxy.upsert(route(upstream.url), STABLE);
    return proxy.observe('shop').address ?? '';
  }
  afterEach(async () => {
    seen.length = 0;
    await proxy.close();
    await upstream?.close();
  });

  test('a chunked response with trailers is relayed byte for byte and its connection reused', async () => {
    const body = '4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nX-Checksum: 1\r\n\r\n';
    const address = await serve(() => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n${body}`);
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(res.raw), [200, 200]);
    assert.equal(res.raw.split(body).length, 3, 'both bodies arrived unchanged');
    assert.equal(upstream?.connections, 1, 'the upstream connection carried both requests');
  });

  test('a response delimited by close is relayed, and the client connection closes after it', async () => {
    const address = await serve((_head, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nall of it');
      return undefined;
    });
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'all of it');
    assert.equal(res.headers.connection, 'close');
    assert.ok(res.closedByServer);
  });

  test('HEAD and 204 responses end without a body; 103 Early Hints is relayed before the answer', async () => {
    const address = await serve((head) => {
      if (head.startsWith('HEAD')) return 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n';
      if (head.startsWith('DELETE')) return 'HTTP/1.1 204 No Content\r\n\r\n';
      return 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    });
    const res = await rawExchange(address, 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\nDELETE / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(res.raw), [200, 204, 103, 200]);
    assert.match(res.raw, /Link: <\/a.css>; rel=preload\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.ok(res.raw.endsWith('ok'));
  });

  test('a malformed upstream response is answered 502 with a JSON body naming the upstream', async () => {
    const address = await serve(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx');
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(res.status, 502);
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'ADAPTER_FAILED');
    assert.match(body.error.message, /response head is malformed/);
  });

  test('a GET on a pooled connection the upstream closed under it is resent on a new one', async () => {
    const address = await serve(closeOnSecondRequest());
    const first = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const second = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(first.status, 200);
    assert.equal(second.status, 200, second.raw);
    assert.equal(upstream?.connections, 2, 'the resend opened a new connection');
    assert.equal(upstream?.heads.length, 3);
    assert.equal(proxy.health('shop').versions.v1?.[0]?.consecutiveFailures, 0, 'a keep-alive race is not an upstream failure');
  });

  test('a POST on a pooled connection the upstream closed under it is not resent: 502', async () => {
    const address = await serve(closeOnSecondRequest());
    await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const post = await rawExchange(address, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    assert.equal(post.status, 502, post.raw);
    assert.equal(upstream?.heads.length, 2, 'the POST reached the upstream once');
  });

  test('an upstream sending bytes past the end of its response is not reused', async () => {
    const address = await serve(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA');
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(res.raw), [200, 200]);
    assert.doesNotMatch(res.raw, /EXTRA/);
    assert.equal(upstream?.connections, 2, 'each request got a fresh upstream connection');
  });

  test('an attempt cut inside its response head is not resent, and nothing of it reaches the client', async () => {
    const address = await serve((_head, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nSet-Cookie: session=from-first-attempt\r\nX-Partial: ');
      return undefined;
    });
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(res.status, 502, res.raw);
    assert.doesNotMatch(res.raw, /from-first-attempt|X-Partial/);
    assert.equal(upstream?.heads.length, 1, 'the upstream saw the request once');
  });

  test("a response without Date gets one; the upstream's own Date is kept", async () => {
    const address = await serve((head) =>
      head.includes('/dated') ? 'HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    );
    const plain = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(plain.headers.date ?? '', /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const dated = await rawExchange(address, 'GET /dated HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(dated.headers.date, 'Thu, 01 Jan 2026 00:00:00 GMT');
    assert.equal(dated.raw.match(/^date:/gim)?.length, 1);
  });

  test('an idle pooled upstream connection is closed after IDLE_SOCKET_MS even if no request comes', async () => {
    let open = 0;
    const address = await serve((_head, socket) => {
      open++;
      socket.once('close', () => open--);
      return 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    });
    assert.equal((await rawExchange(address, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).status, 200);
    assert.equal(open, 1, 'the upstream connection is pooled');
    await eventually(() => open === 0, () => `${open} upstream connections still open`, IDLE_SOCKET_MS + 2500);
  });
});
