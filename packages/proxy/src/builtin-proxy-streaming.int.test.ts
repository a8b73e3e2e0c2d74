import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { RouteSpec } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import { splitAddress, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream } from './testing/http-fixtures.js';

const MB = 1024 * 1024;
const TOTAL = 100 * MB;
const CHUNK = 64 * 1024;
/** Far below the 100 MB streamed: buffering a whole body anywhere would cross it. */
const MEMORY_BOUND = 50 * MB;

/** Chunk i of the test stream: a fixed pattern shifted by i, so reordering or loss changes the hash. */
function chunkAt(i: number): Buffer {
  return Buffer.alloc(CHUNK, `sluice-${i % 251}-`);
}

/** Writes `count` chunks to `out` honouring backpressure, feeding `hash` as it goes, then ends it. */
function pump(out: NodeJS.WritableStream & { destroyed?: boolean }, count: number, hash: ReturnType<typeof createHash>): void {
  let i = 0;
  const next = (): void => {
    while (i < count && out.destroyed !== true) {
      const chunk = chunkAt(i++);
      hash.update(chunk);
      if (!out.write(chunk)) return void out.once('drain', next);
    }
    out.end();
  };
  next();
}

/** Samples rss and heapUsed every 20 ms while `work` runs; resolves with the largest growth of each. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ value: T; rss: number; heap: number }> {
  const base = process.memoryUsage();
  let rss = 0;
  let heap = 0;
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss - base.rss);
    heap = Math.max(heap, now.heapUsed - base.heapUsed);
  }, 20);
  try {
    return { value: await work(), rss, heap };
  } finally {
    clearInterval(sample);
  }
}

describe('BuiltinProxy streaming and keep-alive', () => {
  let upstream: CountingUpstream;
  let proxy: BuiltinProxy;
  let host: string;
  let port: number;

  before(async () => {
    upstream = await startCountingUpstream((req, res) => {
      const url = req.url ?? '/';
      if (url === '/download') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
        pump(res, TOTAL / CHUNK, createHash('sha256'));
      } else if (url === '/echo') {
        res.writeHead(200, { 'x-request-te': String(req.headers['transfer-encoding']) });
        req.pipe(res);
      } else if (url === '/count') {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), te: req.headers['transfer-encoding'] ?? null })));
      } else {
        req.resume();
        res.end('ok');
      }
    });
    proxy = new BuiltinProxy({ limits: { maxBodyBytes: 200 * MB } });
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [upstream.url] } };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' });
    [host, port] = splitAddress(proxy.observe('shop').address ?? '');
  });

  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  /** Streams a request body of `chunks` chunks (chunked) and reads the response as it comes, hashing both. */
  function stream(path: string, chunks: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; sent: string; received: string; body: string }> {
    return new Promise((resolve, reject) => {
      const sent = createHash('sha256');
      const req = http.request({ host, port, method: chunks > 0 ? 'POST' : 'GET', path, agent: false, headers: chunks > 0 ? { 'transfer-encoding': 'chunked' } : {} }, (res) => {
        const received = createHash('sha256');
        let bytes = 0;
        let head = '';
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          received.update(chunk);
          if (head.length < 200) head += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sent: sent.digest('hex'), received: received.digest('hex'), body: head }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (chunks > 0) pump(req, chunks, sent);
      else req.end();
    });
  }

  test('BuiltinProxy streams a 100 MB download without buffering it', { timeout: 120_000 }, async (t) => {
    const expected = createHash('sha256');
    for (let i = 0; i < TOTAL / CHUNK; i++) expected.update(chunkAt(i));
    const { value, rss, heap } = await peakGrowth(() => stream('/download', 0));
    assert.equal(value.status, 200);
    assert.equal(value.headers['content-length'], String(TOTAL), 'a sized response keeps its Content-Length');
    assert.equal(value.bytes, TOTAL);
    assert.equal(value.received, expected.digest('hex'));
    t.diagnostic(`peak growth: rss ${(rss / MB).toFixed(1)} MB, heap ${(heap / MB).toFixed(1)} MB`);
    assert.ok(rss < MEMORY_BOUND, `rss grew ${(rss / MB).toFixed(1)} MB`);
    assert.ok(heap < MEMORY_BOUND, `heap grew ${(heap / MB).toFixed(1)} MB`);
  });

  test('BuiltinProxy streams a 100 MB chunked upload without buffering it', { timeout: 120_000 }, async (t) => {
    const { value, rss, heap } = await peakGrowth(() => stream('/count', TOTAL / CHUNK));
    const seen = JSON.parse(value.body) as { bytes: number; sha256: string; te: string | null };
    assert.equal(seen.bytes, TOTAL);
    assert.equal(seen.sha256, value.sent);
    assert.equal(seen.te, 'chunked', 'the upstream got the body chunked');
    t.diagnostic(`peak growth: rss ${(rss / MB).toFixed(1)} MB, heap ${(heap / MB).toFixed(1)} MB`);
    assert.ok(rss < MEMORY_BOUND, `rss grew ${(rss / MB).toFixed(1)} MB`);
    assert.ok(heap < MEMORY_BOUND, `heap grew ${(heap / MB).toFixed(1)} MB`);
  });

  test('BuiltinProxy streams 100 MB both ways at once, chunked in and out', { timeout: 120_000 }, async (t) => {
    const { value, rss, heap } = await peakGrowth(() => stream('/echo', TOTAL / CHUNK));
    assert.equal(value.status, 200);
    assert.equal(value.headers['x-request-te'], 'chunked');
    assert.equal(value.headers['transfer-encoding'], 'chunked', 'an unsized response reaches the client chunked');
    assert.equal(value.bytes, TOTAL);
    assert.equal(value.received, value.sent);
    t.diagnostic(`peak growth: rss ${(rss / MB).toFixed(1)} MB, heap ${(heap / MB).toFixed(1)} MB`);
    assert.ok(rss < MEMORY_BOUND, `rss grew ${(rss / MB).toFixed(1)} MB`);
    assert.ok(heap < MEMORY_BOUND, `heap grew ${(heap / MB).toFixed(1)} MB`);
  });

  test('BuiltinProxy keeps client connections alive and reuses pooled upstream connections', async () => {
    const fresh = await startCountingUpstream((req, res) => req.on('end', () => res.end('ok')).resume());
    const route: RouteSpec = { service: 'pooled', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [fresh.url] } };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' });
    const [host, port] = splitAddress(proxy.observe('pooled').address ?? '');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let reused = 0;
    try {
      for (let i = 0; i < 20; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.request({ host, port, path: '/', agent }, (res) => {
            if (req.reusedSocket) reused++;
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end();
        });
      }
    } finally {
      agent.destroy();
      await proxy.remove('pooled');
      await fresh.close();
    }
    assert.equal(reused, 19, 'the client connection was kept alive across 20 requests');
    assert.equal(fresh.requests, 20);
    assert.equal(fresh.connections, 1, 'one pooled upstream connection served all 20 requests');
  });
});
