import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { RouteOptions } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import type { ProxyLimits } from './proxy-limits.js';
import { eventually, rawExchange, splitAddress, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream, RawResponse } from './testing/http-fixtures.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { limit: string; value: number } };
}

/** Asserts a JSON error naming `limit` = `value` in both the message and the details. */
function assertLimit(status: number, body: string, limit: keyof ProxyLimits, value: number, code: string): void {
  const parsed = JSON.parse(body) as ErrorBody;
  assert.equal(parsed.error.code, code);
  assert.deepEqual(parsed.error.details, { limit, value });
  assert.match(parsed.error.message, new RegExp(`limit ${limit} = ${value} (bytes|ms)`), `status ${status}: ${parsed.error.message}`);
}

describe('BuiltinProxy limits', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function setup(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, limits: Partial<ProxyLimits>, onProxy = false) {
    const upstream = await startCountingUpstream(handler);
    const observations: ProxyObservation[] = [];
    const proxy = new BuiltinProxy(onProxy ? { observer: (o) => observations.push(o), limits } : { observer: (o) => observations.push(o) });
    closers.push(() => upstream.close(), () => proxy.close());
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [upstream.url] } };
    const options: RouteOptions = onProxy ? {} : { limits };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' }, options);
    return { upstream, proxy, observations, address: proxy.observe('shop').address ?? '' };
  }
  const echo = (req: http.IncomingMessage, res: http.ServerResponse): void => void req.pipe(res);
  /** Answers only once the whole body is in, as most applications do. */
  const readAll = (req: http.IncomingMessage, res: http.ServerResponse): void => void req.on('end', () => res.end('read')).resume();

  test('BuiltinProxy answers 431 naming maxHeaderBytes (set on the proxy) and closes', async () => {
    const { address, upstream, observations } = await setup(echo, { maxHeaderBytes: 1024 }, true);
    const res = await rawExchange(address, `GET / HTTP/1.1\r\nHost: shop\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    assert.equal(res.status, 431, res.raw);
    assertLimit(431, res.body, 'maxHeaderBytes', 1024, 'PAYLOAD_TOO_LARGE');
    assert.ok(res.closedByServer);
    assert.equal(upstream.requests, 0);
    await eventually(() => observations.length === 1, () => 'one observation');
    assert.equal(observations[0]?.cause, 'limit');
    const small = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n');
    assert.equal(small.status, 200, 'a request within the limit passes');
  });

  test('BuiltinProxy answers 413 naming maxBodyBytes for a Content-Length over it, without contacting the upstream', async () => {
    const { address, upstream } = await setup(echo, { maxBodyBytes: 1024 });
    const res = await rawExchange(address, `POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(5000)}`);
    assert.equal(res.status, 413, res.raw);
    assertLimit(413, res.body, 'maxBodyBytes', 1024, 'PAYLOAD_TOO_LARGE');
    assert.ok(res.closedByServer);
    const expecting = await rawExchange(address, 'POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n');
    assert.equal(expecting.status, 413, 'no 100 Continue for a body over the limit');
    assert.equal(upstream.requests, 0);
  });

  test('BuiltinProxy counts a chunked body as it streams and answers 413 past maxBodyBytes, aborting the upstream', async () => {
    const { address, upstream, observations } = await setup((req) => req.resume(), { maxBodyBytes: 64 * 1024 });
    const [host, port] = splitAddress(address);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host, port, method: 'POST', path: '/', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024, 120);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 && !req.destroyed) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(res.status, 413);
    assertLimit(413, res.body, 'maxBodyBytes', 65536, 'PAYLOAD_TOO_LARGE');
    assert.equal(upstream.requests, 1, 'the body had started streaming upstream');
    assert.equal(upstream.completed, 0, 'the upstream never got a complete request');
    await eventually(() => observations.length === 1, () => 'one observation');
    assert.equal(observations[0]?.status, 413);
    assert.equal(observations[0]?.cause, 'limit');
  });

  test('BuiltinProxy answers 408 naming headersTimeoutMs to a client slow to send its head', async () => {
    const { address } = await setup(echo, { headersTimeoutMs: 300 });
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: shop\r\n', 5000);
    assert.equal(res.status, 408, res.raw);
    assertLimit(408, res.body, 'headersTimeoutMs', 300, 'INVALID_REQUEST');
    assert.ok(res.closedByServer);
  });

  test('BuiltinProxy answers 408 naming requestTimeoutMs to a client slow to send its body', async () => {
    const { address, upstream, observations } = await setup(readAll, { requestTimeoutMs: 400 });
    const res = await rawExchange(address, 'POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 10\r\n\r\nabc', 5000);
    assert.equal(res.status, 408, res.raw);
    assertLimit(408, res.body, 'requestTimeoutMs', 400, 'INVALID_REQUEST');
    assert.ok(res.closedByServer);
    assert.equal(upstream.completed, 0);
    await eventually(() => observations.length === 1, () => 'one observation');
    assert.equal(observations[0]?.cause, 'limit');
  });

  test('BuiltinProxy answers 408 naming idleTimeoutMs to a client that goes silent mid-body', async () => {
    const { address } = await setup(readAll, { idleTimeoutMs: 300, requestTimeoutMs: 0 });
    const res = await rawExchange(address, 'POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 10\r\n\r\nabc', 5000);
    assert.equal(res.status, 408, res.raw);
    assertLimit(408, res.body, 'idleTimeoutMs', 300, 'INVALID_REQUEST');
  });

  test('BuiltinProxy answers 504 naming headersTimeoutMs when the upstream sends no headers, without resending', async () => {
    const { address, upstream, observations } = await setup((req) => req.resume(), { headersTimeoutMs: 300 });
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n', 5000);
    assert.equal(res.status, 504, res.raw);
    assertLimit(504, res.body, 'headersTimeoutMs', 300, 'ADAPTER_FAILED');
    assert.match(res.body, /shop version v1: upstream http:\/\/127\.0\.0\.1:\d+ sent no response headers/);
    assert.equal(upstream.requests, 1, 'a request the upstream may be working on is not resent');
    await eventually(() => observations.length === 1, () => 'one observation');
    assert.equal(observations[0]?.cause, 'timeout');
  });

  test('BuiltinProxy answers 504 naming requestTimeoutMs when the upstream is slower than the whole-request limit', async () => {
    const { address } = await setup((req) => req.resume(), { requestTimeoutMs: 300 });
    const res = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n', 5000);
    assert.equal(res.status, 504, res.raw);
    assertLimit(504, res.body, 'requestTimeoutMs', 300, 'ADAPTER_FAILED');
  });

  test('BuiltinProxy cuts a response whose upstream goes silent for idleTimeoutMs', async () => {
    const { address, observations } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    }, { idleTimeoutMs: 300 });
    const res: RawResponse = await rawExchange(address, 'GET / HTTP/1.1\r\nHost: shop\r\n\r\n', 5000);
    assert.equal(res.status, 200);
    assert.match(res.body, /partial/);
    assert.ok(res.closedByServer, 'the proxy cut the connection');
    assert.doesNotMatch(res.body, /\r\n0\r\n\r\n$/, 'the chunked body was never terminated');
    await eventually(() => observations.length === 1, () => 'one observation');
    assert.equal(observations[0]?.cause, 'timeout');
    assert.match(observations[0]?.error ?? '', /idleTimeoutMs = 300 ms/);
  });

  test('BuiltinProxy answers 504 naming connectTimeoutMs when the upstream never accepts', async (t) => {
    const blackhole = await unacceptingPort();
    if (blackhole === undefined) {
      if (process.env.CI === 'true') assert.fail('python3 is needed for a listening socket that never accepts');
      t.diagnostic('SKIP: python3 for a socket that never accepts (install Debian package python3)');
      return;
    }
    closers.push(async () => blackhole.stop());
    const observations: ProxyObservation[] = [];
    const proxy = new BuiltinProxy({ observer: (o) => observations.push(o) });
    closers.push(() => proxy.close());
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [blackhole.url] } };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' }, { limits: { connectTimeoutMs: 300 } });
    const res = await rawExchange(proxy.observe('shop').address ?? '', 'POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi', 5000);
    assert.equal(res.status, 504, res.raw);
    assertLimit(504, res.body, 'connectTimeoutMs', 300, 'ADAPTER_FAILED');
    await eventually(() => observations.length === 1, () => 'one observation');
    assert.equal(observations[0]?.cause, 'timeout');
  });
});

/**
 * A port whose listen backlog is full: connects to it hang in SYN_SENT. Node accepts every connection
 * itself, so a python3 socket that never calls accept() holds the port. Undefined without python3.
 */
async function unacceptingPort(): Promise<{ url: string; stop(): void } | undefined> {
  const script = 'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)';
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number | undefined>((resolve) => {
    child.once('error', () => resolve(undefined));
    child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
  if (port === undefined) return undefined;
  // Fill the backlog: the first connection completes in the kernel and is never accepted.
  const net = await import('node:net');
  const filler = net.connect(port, '127.0.0.1');
  filler.on('error', () => undefined);
  await new Promise((resolve) => filler.once('connect', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      filler.destroy();
      child.kill();
    },
  };
}
