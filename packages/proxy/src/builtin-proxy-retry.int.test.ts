import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { deadEndpoint, request, splitAddress, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream } from './testing/http-fixtures.js';

/** Answers its name and the size of the body it read. */
function good(name: string): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.end(`${name}:${bytes}`));
  };
}

/** Drops the connection as soon as a request arrives: the request was sent, nothing came back. */
const resetting = (req: http.IncomingMessage): void => void req.socket.destroy();

describe('BuiltinProxy retries only when safe', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function route(backends: string[], observations?: ProxyObservation[]): Promise<{ proxy: BuiltinProxy; address: string }> {
    // Ejection is off here so every attempt reaches the instance the test set up.
    const proxy = new BuiltinProxy({ outlier: { consecutiveFailures: 0 }, ...(observations === undefined ? {} : { observer: (o: ProxyObservation) => observations.push(o) }) });
    closers.push(() => proxy.close());
    const spec: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: backends } };
    await proxy.upsert(spec, { stable: 'v1', weight: 0, salt: 's' });
    return { proxy, address: proxy.observe('shop').address ?? '' };
  }
  async function upstream(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<CountingUpstream> {
    const u = await startCountingUpstream(handler);
    closers.push(() => u.close());
    return u;
  }

  test('BuiltinProxy sends a refused request to another instance, whatever its method, body included', async () => {
    const alive = await upstream(good('alive'));
    const observations: ProxyObservation[] = [];
    const { proxy, address } = await route([await deadEndpoint(), alive.url], observations);
    const body = 'x'.repeat(100_000);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH']) {
      const res = await request(address, method === 'GET' ? { method } : { method, body });
      assert.equal(res.status, 200, `${method}: ${res.body}`);
      assert.equal(res.body, `alive:${method === 'GET' ? 0 : body.length}`, `${method} arrived whole`);
    }
    const dead = proxy.health('shop').versions.v1?.[0];
    assert.ok((dead?.consecutiveFailures ?? 0) >= 2, `the dead instance was tried (${dead?.consecutiveFailures} refusals)`);
    assert.equal(alive.requests, 4);
    assert.deepEqual(observations.map((o) => [o.status, o.error]), [[200, undefined], [200, undefined], [200, undefined], [200, undefined]]);
  });

  test('BuiltinProxy resends a body-less GET or DELETE once after a reset, and never a request with a body', async () => {
    const [broken, fine] = [await upstream(resetting), await upstream(good('fine'))];
    const { address } = await route([broken.url, fine.url]);
    const attempts = (): number => broken.requests + fine.requests;
    let cutPosts = 0;
    for (let i = 0; i < 4; i++) {
      const before = attempts();
      const res = await request(address, { method: 'POST', body: 'payload' });
      assert.equal(attempts() - before, 1, 'a POST with a body is sent once');
      if (res.status === 502) {
        cutPosts++;
        assert.match(res.body, /failed before responding \(ECONNRESET\)/);
      } else assert.equal(res.body, 'fine:7');
    }
    assert.ok(cutPosts >= 1, 'some POSTs met the broken instance');
    for (const method of ['GET', 'DELETE', 'GET', 'DELETE']) {
      const res = await request(address, { method });
      assert.equal(res.status, 200, `${method}: ${res.body}`);
      assert.equal(res.body, 'fine:0');
    }
    assert.ok(broken.requests >= 3, 'GETs met the broken instance too, and were resent');
  });

  test('BuiltinProxy resends at most once: two broken instances make two attempts, then 502', async () => {
    const [a, b, c] = [await upstream(resetting), await upstream(resetting), await upstream(resetting)];
    const { address } = await route([a.url, b.url, c.url]);
    const res = await request(address);
    assert.equal(res.status, 502);
    assert.equal(a.requests + b.requests + c.requests, 2);
  });

  test('BuiltinProxy never resends once response headers arrived', async () => {
    const halfway = await upstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial', () => res.socket?.destroy());
    });
    const observations: ProxyObservation[] = [];
    const { address } = await route([halfway.url], observations);
    const [host, port] = splitAddress(address);
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get({ host, port, path: '/', agent: false }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(`ended ${res.statusCode}`));
        res.on('error', () => resolve(`cut ${res.statusCode}`));
        res.on('aborted', () => resolve(`cut ${res.statusCode}`));
      });
      req.on('error', (error) => resolve(`error ${error.message}`));
    });
    assert.equal(outcome, 'cut 200');
    assert.equal(halfway.requests, 1);
    for (let i = 0; i < 100 && observations.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(observations[0]?.cause, 'reset');
  });
});
