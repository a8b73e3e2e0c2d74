import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { metricProviderContract, type MetricProviderFixture } from '../metric-provider.contract.js';
import type { MetricQuery } from '../metric-provider.js';
import { WebMetricProvider } from './web-provider.js';

const DOC = {
  data: { errorRate: 0.02, p99: '123.5', missing: null, obj: { a: 1 }, word: 'high', flag: true },
  items: [{ value: 7 }, { value: 9 }],
  series: [1, '2.5', 3],
  mixed: [1, 'x'],
  empty: [],
  'weird key': { "it's": 4 },
};

/** A real HTTP source: JSON at /metrics/*, 500 at /error, slow at /slow, oversized at /big*, bad JSON. */
async function startSource(): Promise<{ server: Server; base: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    seen.push(url);
    if (url === '/health') return void res.end('ok');
    if (url.startsWith('/metrics/')) {
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ ...DOC, service: decodeURIComponent(url.slice('/metrics/'.length)), auth: req.headers['authorization'] ?? null }));
    }
    if (url === '/error') return void res.writeHead(500).end('boom');
    if (url === '/slow') return void setTimeout(() => res.end('{"v":1}'), 3000).unref();
    if (url === '/big') return void res.end(Buffer.alloc(4096, 0x20));
    if (url === '/big-chunked') {
      for (let i = 0; i < 8; i++) res.write(Buffer.alloc(1024, 0x20));
      return void res.end('1');
    }
    if (url === '/bad-json') return void res.end('{not json');
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on: listen, note it, close. */
async function deadBase(): Promise<string> {
  const { server, base } = await startSource();
  await stop(server);
  return base;
}

function q(query: string, args: Record<string, string> = {}): MetricQuery {
  return { query, args: { service: 'api', window: '60s', ...args }, fromMs: 0, toMs: 60_000 };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, /^web: /);
    assert.match(error.message, pattern);
    return true;
  });
}

metricProviderContract('web', async (): Promise<MetricProviderFixture> => {
  const { server, base } = await startSource();
  return {
    provider: new WebMetricProvider({ baseUrl: base, reachabilityUrl: '/health', timeoutMs: 2000 }),
    withValue: q('/metrics/{{service}}', { jsonPath: '$.data.errorRate' }),
    expected: 0.02,
    noData: q('/metrics/{{service}}', { jsonPath: '$.data.nothing' }),
    failing: q('/error', { jsonPath: '$.v' }),
    unreachable: new WebMetricProvider({ baseUrl: await deadBase(), reachabilityUrl: '/health', timeoutMs: 2000 }),
    cleanup: () => stop(server),
  };
});

describe('WebMetricProvider', () => {
  let source: Awaited<ReturnType<typeof startSource>>;
  let provider: WebMetricProvider;
  before(async () => {
    source = await startSource();
    provider = new WebMetricProvider({ baseUrl: source.base, reachabilityUrl: '/health', timeoutMs: 1000, maxBodyBytes: 2048, headers: { authorization: 'Bearer t' } });
  });
  after(() => stop(source.server));

  const value = async (jsonPath: string): Promise<unknown> => {
    const result = await provider.measure(q('/metrics/{{service}}', { jsonPath }));
    assert.equal(result.kind, 'value', JSON.stringify(result));
    return result.kind === 'value' ? result.value : undefined;
  };

  test('path forms: dots, quoted names, indexes, numeric strings and arrays', async () => {
    assert.equal(await value('$.data.errorRate'), 0.02);
    assert.equal(await value('$.data.p99'), 123.5);
    assert.equal(await value('$.items[1].value'), 9);
    assert.equal(await value("$['items'][0]['value']"), 7);
    assert.equal(await value(`$["weird key"]['it\\'s']`), 4);
    assert.deepEqual(await value('$.series'), [1, 2.5, 3]);
    assert.equal(await value('$.series[2]'), 3);
  });

  test('missing, null, out-of-range and empty values are no-data with a reason', async () => {
    for (const jsonPath of ['$.data.missing', '$.data.nope', '$.items[5].value', '$.empty', '$.data.errorRate.deeper', '$.__proto__']) {
      const result = await provider.measure(q('/metrics/{{service}}', { jsonPath }));
      assert.equal(result.kind, 'no-data', jsonPath);
      if (result.kind === 'no-data') assert.match(result.reason, /nothing at|null|empty/);
    }
  });

  test('a value that is not a number says what was found', async () => {
    await rejectsWith(provider.measure(q('/metrics/api', { jsonPath: '$.data.obj' })), ErrorCode.ADAPTER_FAILED, /found an object/);
    await rejectsWith(provider.measure(q('/metrics/api', { jsonPath: '$.data.word' })), ErrorCode.ADAPTER_FAILED, /found the string "\\"high\\""/);
    await rejectsWith(provider.measure(q('/metrics/api', { jsonPath: '$.data.flag' })), ErrorCode.ADAPTER_FAILED, /found boolean true/);
    await rejectsWith(provider.measure(q('/metrics/api', { jsonPath: '$.mixed' })), ErrorCode.ADAPTER_FAILED, /element \[1\]/);
  });

  test('an invalid JSON path is rejected before any request', async () => {
    const before = source.seen.length;
    await rejectsWith(provider.measure(q('/metrics/api', { jsonPath: '$.a[?(@.x)]' })), ErrorCode.ADAPTER_FAILED, /cannot be read at position 3/);
    await rejectsWith(provider.measure(q('/metrics/api', { jsonPath: 'data.x' })), ErrorCode.ADAPTER_FAILED, /must start with "\$"/);
    assert.equal(source.seen.length, before);
  });

  test('templating fills and URL-encodes arguments; an unknown placeholder is named', async () => {
    await rejectsWith(provider.measure(q('/metrics/{{service}}', { service: 'a b/../c?x=1', jsonPath: '$.service' })), ErrorCode.ADAPTER_FAILED, /a%20b%2F/);
    assert.equal(source.seen.at(-1), '/metrics/a%20b%2F..%2Fc%3Fx%3D1');
    const ok = await provider.measure(q('/metrics/{{service}}', { jsonPath: '$.data.errorRate' }));
    assert.equal(ok.resolvedQuery, `${source.base}/metrics/api`);
    await rejectsWith(provider.measure(q('/metrics/{{service}}/{{region}}')), ErrorCode.ADAPTER_FAILED, /unknown placeholder\(s\) \{\{region\}\}/);
  });

  test('configured headers are sent', async () => {
    const result = await provider.measure(q('/metrics/api', { jsonPath: '$.auth' })).catch((e: unknown) => e);
    assert.ok(result instanceof SluiceError);
    assert.match(result.message, /Bearer t/);
  });

  test('non-2xx is ADAPTER_FAILED with the status and the URL', async () => {
    await rejectsWith(provider.measure(q('/error')), ErrorCode.ADAPTER_FAILED, new RegExp(`HTTP 500.*boom`));
    await rejectsWith(provider.measure(q('/nowhere')), ErrorCode.ADAPTER_FAILED, new RegExp(`GET ${source.base}/nowhere.*HTTP 404`));
  });

  test('a slow source times out', async () => {
    const started = Date.now();
    await rejectsWith(provider.measure(q('/slow', { jsonPath: '$.v' })), ErrorCode.ADAPTER_FAILED, /timed out after 1000 ms/);
    assert.ok(Date.now() - started < 2500, 'did not wait for the answer');
  });

  test('a body over maxBodyBytes is refused, declared or streamed', async () => {
    await rejectsWith(provider.measure(q('/big')), ErrorCode.ADAPTER_FAILED, /4096 bytes, over the 2048-byte limit/);
    await rejectsWith(provider.measure(q('/big-chunked')), ErrorCode.ADAPTER_FAILED, /over the 2048-byte limit/);
  });

  test('invalid JSON is ADAPTER_FAILED quoting the start of the body', async () => {
    await rejectsWith(provider.measure(q('/bad-json')), ErrorCode.ADAPTER_FAILED, /not valid JSON.*"\{not json"/);
  });

  test('a caller abort during the request stops it', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await rejectsWith(provider.measure(q('/slow', { jsonPath: '$.v' }), controller.signal), ErrorCode.ADAPTER_FAILED, /aborted by the caller/);
    assert.ok(Date.now() - started < 900, 'stopped before the timeout');
  });

  test('a source that is down is UNREACHABLE, and reachable() says why', async () => {
    const down = new WebMetricProvider({ baseUrl: await deadBase(), timeoutMs: 1000 });
    await rejectsWith(down.measure(q('/metrics/api', { jsonPath: '$.data.errorRate' })), ErrorCode.UNREACHABLE, /ECONNREFUSED/);
    const status = await down.reachable();
    assert.equal(status.ok, false);
    assert.match(status.detail, /ECONNREFUSED/);
    const notHealthy = await new WebMetricProvider({ baseUrl: source.base, reachabilityUrl: '/error' }).reachable();
    assert.deepEqual(notHealthy, { ok: false, detail: `GET ${source.base}/error answered HTTP 500` });
  });

  test('non-http URLs and a missing source are refused', async () => {
    await rejectsWith(provider.measure(q('file:///etc/passwd')), ErrorCode.ADAPTER_FAILED, /only http and https/);
    assert.throws(() => new WebMetricProvider({}), /baseUrl or a reachabilityUrl/);
  });
});
