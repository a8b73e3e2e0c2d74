import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { metricProviderContract } from '../metric-provider.contract.js';
import type { MetricQuery } from '../metric-provider.js';
import { PrometheusMetricProvider, promDuration } from './prometheus-provider.js';

const BINARY = '/usr/bin/prometheus';
const EXPOSITION = [
  '# TYPE sluice_test_errors_total counter',
  'sluice_test_errors_total{version="v1"} 2',
  'sluice_test_errors_total{version="v2"} 3',
  '# TYPE sluice_test_requests_total counter',
  'sluice_test_requests_total{version="v1"} 200',
  'sluice_test_requests_total{version="v2"} 100',
  '# TYPE sluice_test_nan gauge',
  'sluice_test_nan NaN',
  '',
].join('\n');
const ERROR_RATE = 'sluice_test_errors_total{version="{{version}}"} / sluice_test_requests_total{version="{{version}}"}';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port that was free a moment ago and now has nobody listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function query(text: string, args: Record<string, string> = {}, windowMs = 60_000, toMs = Date.now()): MetricQuery {
  return { query: text, args, fromMs: toMs - windowMs, toMs };
}

async function fakeServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, server };
}

function isCode(code: ErrorCode, ...patterns: RegExp[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, code, error.message);
    for (const p of patterns) assert.match(error.message, p);
    return true;
  };
}

describe('PrometheusMetricProvider against fake servers', () => {
  test('sends the headers, POSTs the query and time, and reads a scalar', async () => {
    const seen: { auth?: string | undefined; method?: string | undefined; path?: string | undefined; body?: string } = {};
    const { url, server } = await fakeServer((req, body, res) => {
      Object.assign(seen, { auth: req.headers.authorization, method: req.method, path: req.url, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '0.25'] } }));
    });
    try {
      const provider = new PrometheusMetricProvider({ url, headers: { Authorization: 'Bearer s3cret' } });
      const result = await provider.measure(query('vector(1)', {}, 60_000, 1_700_000_000_500));
      assert.deepEqual(result, { kind: 'value', value: 0.25, sampleSize: 1, resolvedQuery: 'vector(1)' });
      assert.equal(seen.auth, 'Bearer s3cret');
      assert.equal(seen.method, 'POST');
      assert.equal(seen.path, '/api/v1/query');
      const form = new URLSearchParams(seen.body);
      assert.equal(form.get('query'), 'vector(1)');
      assert.equal(form.get('time'), '1700000000.5');
    } finally {
      await close(server);
    }
  });

  test('a response that is not JSON is ADAPTER_FAILED with a preview', async () => {
    const { url, server } = await fakeServer((_req, _body, res) => res.end('<html>gateway says hi</html>'));
    try {
      const provider = new PrometheusMetricProvider({ url });
      await assert.rejects(provider.measure(query('up')), isCode(ErrorCode.ADAPTER_FAILED, /^prometheus: query `up`/, /not JSON/, /gateway says hi/));
    } finally {
      await close(server);
    }
  });

  test('a response over maxBodyBytes is ADAPTER_FAILED', async () => {
    const { url, server } = await fakeServer((_req, _body, res) => res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [], pad: 'x'.repeat(5000) } })));
    try {
      const provider = new PrometheusMetricProvider({ url, maxBodyBytes: 1000 });
      await assert.rejects(provider.measure(query('up')), isCode(ErrorCode.ADAPTER_FAILED, /1000-byte limit/));
    } finally {
      await close(server);
    }
  });

  test('a server that never answers times out, and a caller abort stops the wait', async () => {
    const { url, server } = await fakeServer(() => undefined);
    try {
      const provider = new PrometheusMetricProvider({ url, timeoutMs: 300 });
      const started = Date.now();
      await assert.rejects(provider.measure(query('up')), isCode(ErrorCode.ADAPTER_FAILED, /prometheus/, /timed out after 300 ms/));
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      const slow = new PrometheusMetricProvider({ url, timeoutMs: 60_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(slow.measure(query('up'), controller.signal), isCode(ErrorCode.ADAPTER_FAILED, /aborted by the caller/));
      const down = await provider.reachable();
      assert.equal(down.ok, false);
      assert.match(down.detail, /timed out/);
    } finally {
      await close(server);
    }
  });

  test('an unknown placeholder is ADAPTER_FAILED naming it, before any request', async () => {
    const provider = new PrometheusMetricProvider({ url: `http://127.0.0.1:${await closedPort()}` });
    await assert.rejects(provider.measure(query(`${ERROR_RATE} > {{threshold}}`, { version: 'v2' })),
      isCode(ErrorCode.ADAPTER_FAILED, /prometheus/, /\{\{threshold\}\}/, /version="v2"/));
  });

  test('promDuration renders the window as whole seconds', () => {
    assert.equal(promDuration(60_000), '60s');
    assert.equal(promDuration(1500), '2s');
    assert.equal(promDuration(0), '1s');
  });
});

const available = existsSync(BINARY);
if (!available) {
  if (process.env['CI'] === 'true') {
    test('prometheus is installed (required under CI)', () => assert.fail(`${BINARY} is missing: install Debian package prometheus`));
  } else {
    console.log('SKIP: prometheus provider tests (install Debian package prometheus)');
  }
} else {
  realPrometheusTests();
}

function realPrometheusTests(): void {
  let prometheus: ChildProcess | undefined;
  let targets: Server | undefined;
  let dir = '';
  let baseUrl = '';
  let readyAtMs = 0;
  let log = '';

  before(async () => {
    targets = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(EXPOSITION);
    });
    const targetPort = await listen(targets);
    const port = await closedPort();
    dir = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sluice-test\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`);
    prometheus = spawn(BINARY, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (c: Buffer) => { log += c.toString(); });
    prometheus.stderr?.on('data', (c: Buffer) => { log += c.toString(); });
    baseUrl = `http://127.0.0.1:${port}`;
    readyAtMs = await waitForScrape(baseUrl, () => log);
  });

  after(async () => {
    const child = prometheus;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (targets) await close(targets);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  metricProviderContract('prometheus', async () => ({
    provider: new PrometheusMetricProvider({ url: baseUrl }),
    withValue: query(ERROR_RATE, { version: 'v2' }),
    expected: 0.03,
    noData: query('sluice_test_does_not_exist{version="{{version}}"}', { version: 'v2' }),
    failing: query('sum(', {}),
    unreachable: new PrometheusMetricProvider({ url: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 2000 }),
    cleanup: async () => undefined,
  }));

  describe('PrometheusMetricProvider against a real Prometheus', () => {
    test('invalid PromQL is ADAPTER_FAILED with Prometheus\'s errorType and parse error', async () => {
      const provider = new PrometheusMetricProvider({ url: baseUrl });
      await assert.rejects(provider.measure(query('sum(')), isCode(ErrorCode.ADAPTER_FAILED, /^prometheus: query `sum\(`/, /bad_data/, /parse error/));
    });

    test('a closed port is UNREACHABLE, and reachable reports the version', async () => {
      const down = new PrometheusMetricProvider({ url: `http://127.0.0.1:${await closedPort()}` });
      await assert.rejects(down.measure(query('up')), isCode(ErrorCode.UNREACHABLE, /prometheus/, /ECONNREFUSED/));
      const up = await new PrometheusMetricProvider({ url: baseUrl }).reachable();
      assert.equal(up.ok, true, up.detail);
      assert.match(up.detail, /prometheus version 2\.\d+/);
    });

    test('a vector with several series answers every value in label order', async () => {
      const result = await new PrometheusMetricProvider({ url: baseUrl }).measure(query('sluice_test_requests_total'));
      assert.equal(result.kind, 'value');
      if (result.kind !== 'value') return;
      assert.deepEqual(result.value, [200, 100]);
      assert.equal(result.sampleSize, 2);
    });

    test('a NaN sample is no-data saying so', async () => {
      const result = await new PrometheusMetricProvider({ url: baseUrl }).measure(query('sluice_test_nan'));
      assert.deepEqual(result, { kind: 'no-data', reason: 'the value is NaN', resolvedQuery: 'sluice_test_nan' });
    });

    test('a range query over one series answers its values at each step', async () => {
      const provider = new PrometheusMetricProvider({ url: baseUrl });
      const single = await provider.measure({ query: 'sluice_test_requests_total{version="{{version}}"}', args: { version: 'v2', range: 'true', step: '1s' }, fromMs: readyAtMs, toMs: readyAtMs + 2000 });
      assert.deepEqual(single, { kind: 'value', value: [100, 100, 100], sampleSize: 3, resolvedQuery: 'sluice_test_requests_total{version="v2"}' });
      const several = await provider.measure({ query: 'sluice_test_requests_total', args: { range: 'true' }, fromMs: readyAtMs, toMs: readyAtMs + 1000 });
      assert.deepEqual(several, { kind: 'value', value: [200, 100], sampleSize: 2, resolvedQuery: 'sluice_test_requests_total' });
      const none = await provider.measure({ query: 'sluice_test_nope', args: { range: 'true' }, fromMs: readyAtMs, toMs: readyAtMs + 1000 });
      assert.equal(none.kind, 'no-data');
    });

    test('{{window}} defaults to the window length and args.window overrides it', async () => {
      const provider = new PrometheusMetricProvider({ url: baseUrl });
      const text = 'sum(max_over_time(sluice_test_requests_total{version="v2"}[{{window}}]))';
      const byDefault = await provider.measure(query(text, {}, 30_000));
      assert.deepEqual(byDefault, { kind: 'value', value: 100, sampleSize: 1, resolvedQuery: 'sum(max_over_time(sluice_test_requests_total{version="v2"}[30s]))' });
      const given = await provider.measure(query(text, { window: '5m' }, 30_000));
      assert.equal(given.resolvedQuery, 'sum(max_over_time(sluice_test_requests_total{version="v2"}[5m]))');
    });
  });
}

/** Polls `up` until the test target has been scraped (value 1); returns when that was seen, in ms. */
async function waitForScrape(baseUrl: string, log: () => string): Promise<number> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent('up{job="sluice-test"}')}`);
      last = await response.text();
      const body = JSON.parse(last) as { data?: { result?: { value?: [number, string] }[] } };
      if (body.data?.result?.[0]?.value?.[1] === '1') return Date.now();
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`prometheus did not scrape the test target within 20 s; last answer ${last}; log:\n${log().slice(-2000)}`);
}
