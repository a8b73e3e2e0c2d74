import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import { MIRROR_UNSENT_BYTES } from './mirror.js';
import {
  deadEndpoint,
  eventually,
  request,
  splitAddress,
  startCountingUpstream,
  startUpstream,
  type CountingUpstream,
  type TestUpstream,
} from './testing/http-fixtures.js';

const mirrored = (percent: number, maxBodyBytes = 1024): TrafficSplit => ({ stable: 'v1', canary: 'v2', weight: 0, salt: 'r', mirror: { version: 'v2', percent, maxBodyBytes } });

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('BuiltinProxy mirroring', () => {
  let v1: TestUpstream;
  let v2: TestUpstream;
  let proxy: BuiltinProxy;
  let address = '';
  const route = (v2Endpoints: string[]): RouteSpec => ({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [v1.url], v2: v2Endpoints } });

  before(async () => {
    [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
    proxy = new BuiltinProxy();
    await proxy.upsert(route([v2.url]), mirrored(100));
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await Promise.all([v1.close(), v2.close()]);
  });

  test('a mirrored request is answered by stable while a marked copy, body included, reaches the canary', async () => {
    const res = await request(address, { method: 'POST', path: '/echo', body: 'hello mirror', headers: { 'content-length': '12' } });
    assert.equal(res.headers['x-sluice-version'], 'v1');
    assert.equal(res.body, 'hello mirror');
    await until(() => v2.received.length > 0);
    const copy = v2.received.at(-1);
    assert.equal(copy?.headers['x-sluice-mirror'], '1');
    assert.equal(copy?.url, '/echo');
  });

  test('bodies above maxBodyBytes and 0 % are not mirrored', async () => {
    const before = v2.received.length;
    await request(address, { method: 'POST', path: '/echo', body: 'x'.repeat(2048) });
    proxy.setSplit('shop', mirrored(0));
    for (let i = 0; i < 10; i++) await request(address);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(v2.received.length, before);
  });

  test('a mirror target that refuses connections never affects the user', async () => {
    await proxy.upsert(route([await deadEndpoint()]), mirrored(100));
    proxy.setSplit('shop', mirrored(100));
    for (let i = 0; i < 20; i++) {
      const res = await request(address);
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-sluice-version'], 'v1');
    }
  });
});

const MB = 1024 * 1024;

/** What a mirror backend saw of one request: its head, the body bytes that arrived, and how it ended. */
interface SeenRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly chunks: Buffer[];
  /** The body was read to its end. */
  complete: boolean;
  /** The request is over (read to the end, or cut). */
  closed: boolean;
}

type Recorder = CountingUpstream & {
  readonly seen: SeenRequest[];
  /** Starts reading the bodies held so far (a holding recorder reads no request body before). */
  release(): void;
};

/**
 * A mirror backend that records each request's body as it arrives and answers once it is complete.
 * With `hold`, it reads no body until `release()`: a mirror that does not read while the user's request runs.
 * With `closeConnections`, every answer closes its connection, so each copy opens a new one.
 */
async function startRecorder({ hold = false, closeConnections = false } = {}): Promise<Recorder> {
  const seen: SeenRequest[] = [];
  const held: (() => void)[] = [];
  const upstream = await startCountingUpstream((req, res) => {
    const entry: SeenRequest = { url: req.url ?? '', headers: req.headers, chunks: [], complete: false, closed: false };
    seen.push(entry);
    req.on('error', () => undefined);
    req.on('end', () => {
      entry.complete = true;
      if (closeConnections) res.setHeader('connection', 'close');
      res.end('mirror');
    });
    req.on('close', () => (entry.closed = true));
    const read = (): void => void req.on('data', (chunk: Buffer) => entry.chunks.push(chunk));
    if (hold && req.method !== 'GET') held.push(read);
    else read();
  });
  return Object.assign(upstream, { seen, release: () => held.splice(0).forEach((read) => read()) });
}

interface Posted {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * POSTs `chunks` to `address`: chunked unless `contentLength` is set, `gapMs` apart (0: as fast as the
 * connection takes them, honouring backpressure). Resolves with the whole response body.
 */
function post(address: string, path: string, chunks: readonly Buffer[], options: { gapMs?: number; contentLength?: number } = {}): Promise<Posted> {
  const [host, port] = splitAddress(address);
  const headers = options.contentLength === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(options.contentLength) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method: 'POST', path, headers, agent: false }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (chunk: Buffer) => body.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(body) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let i = 0;
    const next = (): void => {
      while (i < chunks.length) {
        const drained = req.write(chunks[i++]!);
        if (options.gapMs !== undefined && options.gapMs > 0) return void setTimeout(next, options.gapMs);
        if (!drained) return void req.once('drain', next);
      }
      req.end();
    };
    next();
  });
}

/** Rejects with `what` if `work` takes longer than `ms`. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

describe('BuiltinProxy mirroring of streamed bodies', () => {
  let stable: TestUpstream;
  let recorder: Recorder;
  let proxy: BuiltinProxy;
  let address = '';
  const route = (v1: string[], v2: string[]): RouteSpec => ({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1, v2 } });
  /** Points the route at new backends; upsert keeps the split being served, so it is set again. */
  const serve = async (v1: string[], v2: string[], split: TrafficSplit): Promise<void> => {
    await proxy.upsert(route(v1, v2), split);
    proxy.setSplit('shop', split);
  };

  before(async () => {
    [stable, recorder] = await Promise.all([startUpstream('v1'), startRecorder()]);
    proxy = new BuiltinProxy();
    await proxy.upsert(route([stable.url], [recorder.url]), mirrored(100));
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await Promise.all([stable.close(), recorder.close()]);
  });

  test('a chunked body is mirrored chunked, byte for byte, while stable answers the user', async () => {
    await serve([stable.url], [recorder.url], mirrored(100, 1024));
    const chunks = [randomBytes(300), randomBytes(1), randomBytes(400)];
    const body = Buffer.concat(chunks);
    const before = recorder.seen.length;
    const res = await post(address, '/echo', chunks, { gapMs: 20 });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-sluice-version'], 'v1');
    assert.ok(res.body.equals(body), 'stable echoed the whole body');
    await eventually(() => recorder.seen.length > before && recorder.seen.at(-1)!.closed, () => `mirror saw ${recorder.seen.length - before} requests`);
    const copy = recorder.seen.at(-1)!;
    assert.equal(recorder.seen.length, before + 1);
    assert.equal(copy.url, '/echo');
    assert.equal(copy.headers['x-sluice-mirror'], '1');
    assert.equal(copy.headers['transfer-encoding'], 'chunked');
    assert.equal(copy.headers['content-length'], undefined);
    assert.ok(copy.complete, 'the copy was sent to its end');
    assert.ok(Buffer.concat(copy.chunks).equals(body), 'the copy carries the identical body');
  });

  test('a chunked body over maxBodyBytes reaches stable whole while its copy is cut at the limit', async () => {
    await serve([stable.url], [recorder.url], mirrored(100, 1024));
    const chunks = [randomBytes(600), randomBytes(600), randomBytes(600), randomBytes(600)];
    const body = Buffer.concat(chunks);
    const before = recorder.seen.length;
    const res = await post(address, '/echo', chunks, { gapMs: 30 });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-sluice-version'], 'v1');
    assert.ok(res.body.equals(body), `stable echoed ${res.body.length} of ${body.length} bytes`);
    await eventually(() => recorder.seen.length > before && recorder.seen.at(-1)!.closed, () => `mirror saw ${recorder.seen.length - before} requests`);
    const copy = recorder.seen.at(-1)!;
    const got = Buffer.concat(copy.chunks);
    assert.equal(copy.complete, false, 'the copy was cut, not ended');
    // The first chunk fits (600 ≤ 1024) and went out 30 ms before the second crossed the limit.
    assert.ok(got.length > 0 && got.length <= 1024, `the copy carried ${got.length} bytes`);
    assert.ok(got.equals(body.subarray(0, got.length)), 'what the copy carried is the start of the body');
  });

  test('a client that leaves mid-body takes its copy with it', async () => {
    await serve([stable.url], [recorder.url], mirrored(100, 1024));
    const before = recorder.seen.length;
    const [host, port] = splitAddress(address);
    const client = http.request({ host, port, method: 'POST', path: '/echo', headers: { 'transfer-encoding': 'chunked' }, agent: false });
    client.on('error', () => undefined);
    client.write(randomBytes(100));
    await eventually(() => recorder.seen.length > before && recorder.seen.at(-1)!.chunks.length > 0, () => 'the copy did not start');
    client.destroy();
    const copy = recorder.seen.at(-1)!;
    // Left alone, the copy would wait for the rest of the body until idleTimeoutMs (60 s).
    await eventually(() => copy.closed, () => 'the copy is still open');
    assert.equal(copy.complete, false);
  });

  test('a user request that fails before its body flows leaves no copy waiting', async () => {
    const mirror = await startRecorder();
    try {
      await serve([await deadEndpoint()], [mirror.url], mirrored(100, 1024));
      const res = await post(address, '/echo', [Buffer.from('short')], { gapMs: 20 });
      assert.equal(res.status, 502);
      // The copy opened its connection, then was dropped with the user's request (not after idleTimeoutMs).
      await eventually(() => mirror.connections > 0, () => 'the copy never connected');
      await eventually(() => mirror.open === 0, () => `${mirror.open} mirror connections still open`);
      assert.equal(mirror.completed, 0);
    } finally {
      await serve([stable.url], [recorder.url], mirrored(100));
      await mirror.close();
    }
  });

  test('large bodies outrunning new mirror connections are still mirrored whole to a mirror that keeps up', async () => {
    // Every copy opens a new connection, which the client's body (already pouring in) can outrun.
    const mirror = await startRecorder({ closeConnections: true });
    try {
      await serve([stable.url], [mirror.url], mirrored(100, 64 * MB));
      const chunks = Array.from({ length: (8 * MB) / (64 * 1024) }, () => randomBytes(64 * 1024));
      const body = Buffer.concat(chunks);
      const uploads = 6;
      for (let i = 0; i < uploads; i++) {
        const res = await post(address, '/echo', chunks, i % 2 === 0 ? {} : { contentLength: body.length });
        assert.equal(res.status, 200);
        assert.ok(res.body.equals(body), `stable echoed ${res.body.length} of ${body.length} bytes`);
        await eventually(() => mirror.seen.length === i + 1 && mirror.seen[i]!.closed, () => `mirror saw ${mirror.seen.length} of ${i + 1} copies (one dropped before its head went out never arrives)`);
      }
      assert.equal(mirror.connections, uploads, 'each copy had a new connection');
      const dropped = mirror.seen.filter((copy) => !copy.complete).map((copy) => Buffer.concat(copy.chunks).length);
      assert.deepEqual(dropped, [], 'copies dropped after these many bytes');
      for (const copy of mirror.seen) assert.ok(Buffer.concat(copy.chunks).equals(body), 'the copy carries the identical body');
    } finally {
      await serve([stable.url], [recorder.url], mirrored(100));
      await mirror.close();
    }
  });

  for (const framing of ['chunked', 'content-length'] as const) {
    test(`a mirror that does not read neither slows nor fails a large ${framing} upload, and its copy is dropped`, async (t) => {
      const stalled = await startRecorder({ hold: true });
      try {
        await serve([stable.url], [stalled.url], mirrored(100, 64 * MB));
        // A mirrored GET leaves a connected keep-alive socket to the mirror, so the copy's head goes out at once.
        await request(address);
        await eventually(() => stalled.seen.length === 1 && stalled.seen[0]!.closed, () => 'the warm-up copy did not arrive');
        // 3 × MIRROR_UNSENT_BYTES (24 MiB): more than loopback buffers absorb (a few MiB) plus the bound, which a stalled copy must pass.
        const chunks = Array.from({ length: (3 * MIRROR_UNSENT_BYTES) / (64 * 1024) }, (_, i) => Buffer.alloc(64 * 1024, `mirror-${i % 251}-`));
        const body = Buffer.concat(chunks);
        const started = performance.now();
        const res = await within(10_000, 'the user request', post(address, '/echo', chunks, framing === 'chunked' ? {} : { contentLength: body.length }));
        const ms = performance.now() - started;
        assert.equal(res.status, 200);
        assert.equal(res.headers['x-sluice-version'], 'v1');
        assert.ok(res.body.equals(body), `stable echoed ${res.body.length} of ${body.length} bytes`);
        assert.equal(stalled.seen.length, 2, 'the copy reached the mirror');
        // Now the mirror reads: a kept copy would arrive whole, a dropped one ends after what the sockets held.
        stalled.release();
        const copy = stalled.seen[1]!;
        await eventually(() => copy.closed, () => 'the copy is still open');
        const got = Buffer.concat(copy.chunks);
        assert.equal(copy.complete, false, `the copy was not dropped: the mirror read it whole (${got.length} bytes)`);
        assert.ok(got.length < body.length, `the mirror read ${got.length} bytes`);
        assert.ok(got.equals(body.subarray(0, got.length)), 'what the copy carried is the start of the body');
        t.diagnostic(`${body.length / MB} MiB ${framing} upload with a stalled mirror took ${ms.toFixed(0)} ms; the mirror got ${got.length} bytes of the copy`);
      } finally {
        await serve([stable.url], [recorder.url], mirrored(100));
        await stalled.close();
      }
    });
  }
});
