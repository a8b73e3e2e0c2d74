import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ErrorCode, parseCondition, SluiceError, type LoadRequest } from '@sluice/domain';
import { startLoad, type LoadOptions } from './load-generator.js';
import { testServer, type TestServer } from './testing/load-server.js';

const GET: LoadRequest = { method: 'GET', path: '/', headers: {}, weight: 1 };
const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(...args: Parameters<typeof testServer>): Promise<TestServer> {
  const s = await testServer(...args);
  servers.push(s);
  return s;
}

function options(targets: string[], overrides: Partial<LoadOptions> = {}): LoadOptions {
  return { targets, rps: 50, durationMs: 1000, requests: [GET], timeoutMs: 2000, maxInFlight: 64, ...overrides };
}

/** The most requests that arrived within any window of `ms`. */
function busiestWindow(times: readonly number[], ms: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('load generator', () => {
  test('sends about rps × duration requests, spread evenly over time (open loop, no bursts)', async () => {
    const s = await server();
    const started = performance.now();
    const run = startLoad(options([s.url], { rps: 50, durationMs: 2000, stopWhen: parseCondition('errorRate > 0.5') }));
    assert.equal(run.state, 'running');
    const stats = await run.done;
    const tookMs = performance.now() - started;
    assert.equal(run.state, 'finished', run.reason);
    assert.match(run.reason, /^sent \d+ requests in [\d.]+s$/);
    assert.ok(stats.sent >= 85 && stats.sent <= 115, `sent ${stats.sent}, want 100 ± 15%`);
    assert.equal(s.seen.length, stats.sent);
    assert.equal(stats.completed, stats.sent);
    assert.equal(stats.errors, 0);
    assert.equal(stats.statusClasses['2xx'], stats.sent);
    assert.ok(tookMs >= 1800 && tookMs < 3500, `took ${tookMs} ms`);
    // 50 rps is one request per 20 ms, so 2.5 per 50 ms (5 while catching up after a stall at twice the
    // rate, a few more as the server sees them after its own stall); batches every 200 ms or more would
    // put 10 or more into one window.
    const busiest = busiestWindow(s.seen.map((r) => r.at), 50);
    assert.ok(busiest <= 8, `busiest 50 ms window held ${busiest} requests`);
    assert.ok(stats.p50Ms > 0 && stats.p99Ms >= stats.p50Ms && stats.maxMs >= stats.p99Ms * 0.95, JSON.stringify(stats));
  });

  test('round-robins over targets and respects the weights of the mix', async () => {
    const a = await server();
    const b = await server();
    const mix: LoadRequest[] = [
      { method: 'POST', path: '/checkout?item=1', headers: { 'x-load': 'yes', 'content-type': 'text/plain' }, body: 'hello', weight: 3 },
      { method: 'GET', path: '/browse', headers: {}, weight: 1 },
    ];
    const stats = await startLoad(options([a.url, b.url], { rps: 200, durationMs: 1000, requests: mix })).done;
    const seen = [...a.seen, ...b.seen];
    assert.equal(seen.length, stats.sent);
    assert.ok(stats.sent >= 170, `sent ${stats.sent}`);
    assert.ok(Math.abs(a.seen.length - b.seen.length) <= 1, `a ${a.seen.length}, b ${b.seen.length}`);
    const checkouts = seen.filter((r) => r.url === '/checkout?item=1');
    const browses = seen.filter((r) => r.url === '/browse');
    assert.equal(checkouts.length + browses.length, seen.length);
    const share = checkouts.length / seen.length;
    assert.ok(Math.abs(share - 0.75) <= 0.02, `checkout share ${share}`);
    assert.ok(checkouts.every((r) => r.method === 'POST' && r.body === 'hello' && r.headers['x-load'] === 'yes'));
    assert.ok(browses.every((r) => r.method === 'GET' && r.body === ''));
  });

  test('maxInFlight bounds concurrency against a slow server; the rest is dropped, not queued', async () => {
    const s = await server((_req, res) => setTimeout(() => res.end('slow'), 400));
    const stats = await startLoad(options([s.url], { rps: 100, durationMs: 1000, maxInFlight: 5 })).done;
    assert.equal(s.concurrency.max, 5);
    assert.equal(stats.sent, s.seen.length);
    assert.equal(stats.sent + stats.dropped + stats.skipped, 100);
    assert.ok(stats.dropped >= 70, `dropped ${stats.dropped}`);
    assert.equal(stats.errors, 0);
    assert.ok(stats.p50Ms >= 380, `p50 ${stats.p50Ms}`);
  });

  test('counts timeouts (as errors) and does not wait for answers that never come', async () => {
    const s = await server(() => {
      /* never answers */
    });
    const started = performance.now();
    const stats = await startLoad(options([s.url], { rps: 20, durationMs: 500, timeoutMs: 200 })).done;
    assert.ok(performance.now() - started < 1200);
    assert.equal(stats.sent, 10);
    assert.equal(stats.timeouts, 10);
    assert.equal(stats.errors, 10);
    assert.equal(stats.completed, 10);
    assert.ok(stats.p50Ms >= 190 && stats.p50Ms < 400, `p50 ${stats.p50Ms}`);
  });

  test('counts network errors when nothing listens', async () => {
    const s = await testServer();
    await s.close();
    const stats = await startLoad(options([s.url], { rps: 50, durationMs: 200 })).done;
    assert.equal(stats.sent, 10);
    assert.equal(stats.errors, 10);
    assert.equal(stats.timeouts, 0);
    assert.ok(Number.isNaN(stats.p99Ms));
  });

  test('the breaker trips within about a second when stopWhen holds, and sends nothing more', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const started = performance.now();
    const run = startLoad(options([s.url], { rps: 50, durationMs: 4000, stopWhen: parseCondition('errorRate > 0.5') }));
    const stats = await run.done;
    const tookMs = performance.now() - started;
    assert.equal(run.state, 'tripped');
    assert.match(run.reason, /^stopWhen "errorRate > 0\.5" held after [\d.]+s \(requests = \d+, errorRate = 1\)$/);
    assert.ok(tookMs >= 900 && tookMs < 2500, `tripped after ${tookMs} ms`);
    assert.ok(stats.sent < 120, `sent ${stats.sent}`);
    assert.equal(stats.statusClasses['5xx'], stats.completed);
    // Requests in flight when it tripped may still arrive; none may be sent after it.
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(s.seen.length <= stats.sent, `the server saw ${s.seen.length} requests, ${stats.sent} were sent before the trip`);
  });

  test('the breaker waits for 10 completed requests', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const run = startLoad(options([s.url], { rps: 6, durationMs: 1500, stopWhen: parseCondition('errors >= 1') }));
    const stats = await run.done;
    assert.equal(stats.errors, 9);
    assert.equal(run.state, 'finished', run.reason);
  });

  test('stop() ends it at once', async () => {
    const s = await server();
    const run = startLoad(options([s.url], { rps: 100, durationMs: 4000 }));
    await new Promise((r) => setTimeout(r, 300));
    run.stop();
    const stats = await run.done;
    assert.equal(run.state, 'stopped');
    assert.ok(stats.sent >= 5 && stats.sent <= 60, `sent ${stats.sent} (400 without stop)`);
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(s.seen.length <= stats.sent, `the server saw ${s.seen.length} requests, ${stats.sent} were sent before stop()`);
  });

  test('refuses bad inputs before sending anything', async () => {
    const s = await server();
    const refused = (overrides: Partial<LoadOptions>, pattern: RegExp, targets = [s.url]) =>
      assert.throws(() => startLoad(options(targets, overrides)), (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.INVALID_SPEC && pattern.test(e.message));
    refused({ rps: 0 }, /rps must be a number/);
    refused({ rps: 2001 }, /rps must be a number from .* to 2000/);
    refused({ durationMs: 31 * 60_000 }, /durationMs/);
    refused({ maxInFlight: 1.5 }, /maxInFlight must be a whole number/);
    refused({ requests: [] }, /requests must hold 1 to 32/);
    refused({ requests: [{ ...GET, path: 'http://elsewhere/' }] }, /requests\[0\]\.path must start with "\/"/);
    refused({ requests: [{ ...GET, weight: 0 }] }, /requests\[0\]\.weight/);
    refused({ requests: [{ ...GET, headers: { authorization: 'secret\nvalue' } }] }, /requests\[0\]\.headers\.authorization is not a valid/);
    refused({ stopWhen: parseCondition('latency > 5') }, /stopWhen uses unknown variable "latency"/);
    refused({}, /host "10\.1\.2\.3"/, ['http://10.1.2.3:8080']);
    refused({}, /https:/, ['https://127.0.0.1:8443']);
    assert.equal(s.seen.length, 0);
  });

  test('the header-value refusal does not echo the value', () => {
    try {
      startLoad(options(['http://127.0.0.1:1'], { requests: [{ ...GET, headers: { authorization: 'Bearer sekrit\r\n' } }] }));
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof SluiceError);
      assert.doesNotMatch(`${error.message} ${JSON.stringify(error.details)} ${JSON.stringify(error.problems)}`, /sekrit/);
    }
  });
});
