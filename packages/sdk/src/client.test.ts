import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { memoryCache } from './cache.js';
import { SluiceClient } from './client.js';
import type { SluiceError } from './errors.js';
import type { SluiceClientOptions } from './options.js';
import { ProtocolServer, feature, waitFor } from './testing/protocol-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: ConstructorParameters<typeof ProtocolServer>[0] = {}): Promise<ProtocolServer> {
  const server = await new ProtocolServer({ features: [feature('checkout-v2'), feature('dark-mode', false)], ...options }).start();
  cleanups.push(() => server.stop());
  return server;
}

function client(server: { url: string }, options: Partial<SluiceClientOptions> = {}): SluiceClient {
  const c = new SluiceClient({ url: server.url, environment: 'production', appName: 'checkout', metricsIntervalMs: 0, retry: { minDelayMs: 20, maxDelayMs: 100 }, ...options });
  cleanups.push(() => c.close());
  return c;
}

function errors(c: SluiceClient): SluiceError[] {
  const seen: SluiceError[] = [];
  c.on('error', (e) => seen.push(e));
  return seen;
}

describe('SluiceClient over the event stream', () => {
  it('is ready from the hydration, evaluates locally, and returns the fallback before that', async () => {
    const server = await serve({ token: 's3cret' });
    const c = client(server, { token: 's3cret' });
    assert.equal(c.isEnabled('checkout-v2'), false);
    assert.equal(c.isEnabled('checkout-v2', {}, true), true);
    assert.equal(c.evaluate('checkout-v2').errorCode, 'PROVIDER_NOT_READY');
    const ready: unknown[] = [];
    c.on('ready', (r) => ready.push(r));
    await c.start();
    assert.deepEqual(ready, [{ source: 'server' }]);
    assert.equal(c.state.ready, true);
    assert.equal(c.state.source, 'server');
    assert.equal(c.state.seq, 1);
    assert.equal(c.isEnabled('checkout-v2'), true);
    assert.equal(c.isEnabled('dark-mode'), false);
    assert.equal(c.isEnabled('missing', undefined, true), true);
    assert.equal(c.evaluate('missing').errorCode, 'FLAG_NOT_FOUND');
    assert.equal(server.requests[0]?.authorization, 'Bearer s3cret');
  });

  it('a pushed update reaches `changed` and evaluation within one event', async () => {
    const server = await serve({ lineEnding: '\r\n' });
    const c = client(server);
    await c.start();
    const changes: (readonly string[])[] = [];
    const seenInHandler: boolean[] = [];
    c.on('changed', (names) => {
      changes.push(names);
      seenInHandler.push(c.isEnabled('dark-mode'));
    });
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => changes.length > 0, 2000, 'changed');
    assert.deepEqual(changes, [['dark-mode']]);
    assert.deepEqual(seenInHandler, [true]);
    assert.equal(c.state.seq, 2);
    server.push({ type: 'feature-removed', featureName: 'checkout-v2' });
    await waitFor(() => changes.length > 1, 2000, 'second change');
    assert.deepEqual(changes[1], ['checkout-v2']);
    assert.equal(c.evaluate('checkout-v2').errorCode, 'FLAG_NOT_FOUND');
  });

  it('flags using a changed segment are reported changed', async () => {
    const segment = { id: 1, constraints: [{ contextName: 'userId', operator: 'IN', values: ['a'] }] };
    const server = await serve({ segments: [segment], features: [feature('beta', true, { strategies: [{ name: 'default', segments: [1] }] }), feature('other')] });
    const c = client(server);
    await c.start();
    assert.equal(c.isEnabled('beta', { userId: 'a' }), true);
    const changes: (readonly string[])[] = [];
    c.on('changed', (names) => changes.push(names));
    server.push({ type: 'segment-updated', segment: { id: 1, constraints: [{ contextName: 'userId', operator: 'IN', values: ['b'] }] } });
    await waitFor(() => changes.length > 0);
    assert.deepEqual(changes, [['beta']]);
    assert.equal(c.isEnabled('beta', { userId: 'a' }), false);
  });

  it('reconnects after the server drops the connection, resuming with Last-Event-ID', async () => {
    const server = await serve();
    const c = client(server);
    const seen = errors(c);
    await c.start();
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => c.state.seq === 2);
    server.dropConnections();
    // a change made while the client is disconnected arrives through the resume
    server.push({ type: 'feature-updated', feature: feature('new-flag') });
    await waitFor(() => server.lastEventIds.length === 2, 2000, 'reconnect');
    assert.deepEqual(server.lastEventIds, ['', '2']);
    await waitFor(() => c.isEnabled('new-flag'), 2000, 'missed change');
    assert.equal(c.state.seq, 3);
    assert.deepEqual(seen, []);
  });

  it('takes a fresh hydration when the server cannot resume', async () => {
    const server = await serve();
    const c = client(server);
    await c.start();
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => c.state.seq === 2);
    server.forgetHistory = true;
    server.features.delete('checkout-v2');
    const changes: (readonly string[])[] = [];
    c.on('changed', (names) => changes.push(names));
    server.dropConnections();
    await waitFor(() => changes.length > 0, 2000, 'hydration diff');
    assert.deepEqual(changes, [['checkout-v2']]);
  });

  it('a malformed message is a PARSE error and the client rehydrates', async () => {
    const server = await serve();
    const c = client(server);
    const seen = errors(c);
    await c.start();
    server.writeRaw('event: unleash-updated\nid: 9\ndata: {not json\n\n');
    await waitFor(() => server.lastEventIds.length === 2, 2000, 'reconnect');
    assert.equal(seen[0]?.code, 'PARSE');
    assert.equal(server.lastEventIds[1], '', 'reconnects without Last-Event-ID to get a hydration');
  });

  it('401 → error UNAUTHORIZED, start() rejects, and no tight retry loop', async () => {
    const server = await serve({ token: 'right' });
    const c = client(server, { token: 'wrong' });
    const seen = errors(c);
    await assert.rejects(c.start(), (e: SluiceError) => e.code === 'UNAUTHORIZED');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(server.requests.length, 1, 'one request in 200 ms although minDelayMs is 20');
    assert.deepEqual(seen.map((e) => e.code), ['UNAUTHORIZED']);
  });

  it('a 200 that is not an event stream (a proxy page) is a PARSE error, retried', async () => {
    let calls = 0;
    const fetch = async (): Promise<Response> => (calls++, new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }));
    const c = client({ url: 'http://proxy.invalid' }, { fetch });
    const seen = errors(c);
    void c.start().catch(() => undefined);
    await waitFor(() => calls >= 2, 2000, 'retry');
    assert.equal(seen[0]?.code, 'PARSE');
    assert.match(seen[0]?.message ?? '', /text\/html/);
  });

  it('an unknown environment is BAD_ENVIRONMENT', async () => {
    const server = await serve({ environment: 'staging' });
    const c = client(server);
    await assert.rejects(c.start(), (e: SluiceError) => e.code === 'BAD_ENVIRONMENT');
  });

  it('5xx and network errors are retried with backoff and recover', async () => {
    const server = await serve();
    server.forceStatus = 503;
    const c = client(server);
    const seen = errors(c);
    let recovered = 0;
    c.on('recovered', () => recovered++);
    const started = c.start();
    await waitFor(() => seen.length >= 2, 2000, 'retries');
    assert.ok(seen.every((e) => e.code === 'NETWORK' && e.status === 503));
    server.forceStatus = undefined;
    await started;
    assert.equal(recovered, 1);
  });
});

describe('SluiceClient evaluation', () => {
  it('reads the injected clock at each evaluation, merges the default context, and never throws', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const launch = feature('launch', true, { strategies: [{ name: 'default', constraints: [{ contextName: 'currentTime', operator: 'DATE_AFTER', value: '2026-06-01T00:00:00Z' }] }] });
    const pro = feature('pro', true, { strategies: [{ name: 'default', constraints: [{ contextName: 'plan', operator: 'IN', values: ['pro'] }, { contextName: 'appName', operator: 'IN', values: ['checkout'] }] }] });
    const c = new SluiceClient({ url: 'http://127.0.0.1:9', environment: 'production', appName: 'checkout', bootstrap: { features: [launch, pro] }, context: { properties: { plan: 'pro', region: 'eu' } }, clock: { now: () => now } });
    assert.equal(c.isEnabled('launch'), false);
    now = Date.parse('2026-07-01T00:00:00Z');
    assert.equal(c.isEnabled('launch'), true, 'same compiled state, new time');
    assert.equal(c.isEnabled('pro'), true, 'default context and appName apply');
    assert.equal(c.isEnabled('pro', { properties: { plan: 'free' } }), false, 'a call overrides a default property');
    assert.equal(c.isEnabled('pro', { userId: 'u' }), true, 'and keeps the others');
    const hostile = { get userId(): string { throw new Error('boom'); } };
    assert.doesNotThrow(() => c.isEnabled('pro', hostile));
    assert.equal(c.evaluate('pro', hostile).reason, 'ERROR');
  });
});

describe('SluiceClient stream timing', () => {
  it("the server's retry: replaces the first reconnect delay", async () => {
    const server = await serve({ retryMs: 10 });
    const c = client(server, { retry: { minDelayMs: 60_000 } });
    await c.start();
    server.dropConnections();
    await waitFor(() => server.lastEventIds.length === 2, 1000, 'reconnect after retry: 10');
  });

  it('a silent stream is dropped after idleTimeoutMs; pings keep it open', async () => {
    const server = await serve();
    const c = client(server, { idleTimeoutMs: 300 });
    await c.start();
    const pinger = setInterval(() => server.ping(), 30);
    await new Promise((resolve) => setTimeout(resolve, 450));
    clearInterval(pinger);
    assert.equal(server.lastEventIds.length, 1, 'pinged: no reconnect');
    await waitFor(() => server.lastEventIds.length === 2, 1000, 'idle reconnect');
    assert.equal(server.lastEventIds[1], '1');
  });
});

describe('SluiceClient close', () => {
  it('stops every timer and is idempotent', async () => {
    const pending = new Map<number, () => void>();
    let next = 0;
    const timers = {
      setTimeout: (fn: () => void) => (pending.set(++next, fn), next),
      clearTimeout: (handle: unknown) => void pending.delete(handle as number),
    };
    const server = await serve();
    const c = client(server, { timers, metricsIntervalMs: 1000 });
    await c.start();
    assert.ok(pending.size >= 2, 'metrics and idle timers are pending');
    const first = c.close();
    assert.equal(c.close(), first);
    await first;
    assert.equal(pending.size, 0);
    await waitFor(() => server.openStreams === 0, 1000, 'stream closed');
    c.track('after-close');
    assert.equal(c.isEnabled('checkout-v2'), true, 'evaluation still works on the last state');
  });
});

describe('SluiceClient process exit', () => {
  it('a process that closes its client exits on its own (no timer or socket left behind)', async () => {
    const server = await serve();
    const clientModule = fileURLToPath(new URL('./client.ts', import.meta.url));
    const script = `
      import { SluiceClient } from ${JSON.stringify(clientModule)};
      const c = new SluiceClient({ url: ${JSON.stringify(server.url)}, environment: 'production', appName: 'exit-test' });
      await c.start();
      c.isEnabled('checkout-v2');
      c.track('done', 1);
      await c.close();
      console.log('closed');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=sluice-source', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the process did not exit within 15 s: ${out}`));
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, out);
    assert.match(out, /closed/);
    assert.equal(server.metrics.length, 1, 'close() flushed the metrics');
    assert.deepEqual(server.events.flat().map((e) => e.event), ['done']);
  });
});

describe('SluiceClient offline start', () => {
  it('is ready from bootstrap with the server down, then goes live when it comes up', async () => {
    const probe = await new ProtocolServer().start();
    const port = probe.port;
    await probe.stop();
    const c = client({ url: `http://127.0.0.1:${port}` }, { bootstrap: { features: [feature('checkout-v2', false)], segments: [] } });
    assert.equal(c.isEnabled('checkout-v2', undefined, true), false, 'bootstrap is usable before start()');
    const seen = errors(c);
    const ready: unknown[] = [];
    c.on('ready', (r) => ready.push(r));
    await c.start();
    assert.deepEqual(ready, [{ source: 'bootstrap' }]);
    await waitFor(() => seen.length > 0, 2000, 'connection error');
    assert.equal(seen[0]?.code, 'NETWORK');
    const changes: (readonly string[])[] = [];
    c.on('changed', (names) => changes.push(names));
    const server = await new ProtocolServer({ features: [feature('checkout-v2', true)] }).start(port);
    cleanups.push(() => server.stop());
    await waitFor(() => c.state.source === 'server', 2000, 'live');
    assert.deepEqual(changes, [['checkout-v2']]);
    assert.equal(c.isEnabled('checkout-v2'), true);
  });

  it('the cache saves the last good state and a later client starts from it with the server down', async () => {
    const cache = memoryCache();
    const server = await serve();
    const first = client(server, { cache });
    await first.start();
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => first.isEnabled('dark-mode'));
    await first.close();
    assert.equal(cache.state?.features.find((f) => f.name === 'dark-mode')?.enabled, true);
    const url = server.url;
    await server.stop();
    const second = client({ url }, { cache });
    const ready: unknown[] = [];
    second.on('ready', (r) => ready.push(r));
    await second.start();
    assert.deepEqual(ready, [{ source: 'cache' }]);
    assert.equal(second.isEnabled('dark-mode'), true);
  });
});

describe('SluiceClient polling', () => {
  it('polls the state, uses the ETag, and sees changes', async () => {
    const server = await serve();
    const c = client(server, { stream: false, refreshIntervalMs: 30 });
    await c.start();
    assert.equal(c.state.seq, 1);
    const changes: (readonly string[])[] = [];
    c.on('changed', (names) => changes.push(names));
    await waitFor(() => server.requests.length >= 3, 2000, 'polls');
    assert.deepEqual(changes, [], '304s change nothing');
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => changes.length > 0, 2000, 'poll change');
    assert.deepEqual(changes, [['dark-mode']]);
    assert.equal(c.state.seq, 2);
    assert.ok(server.requests.every((r) => r.path === '/api/v1/flags/state'));
    assert.ok(server.notModified >= 2);
  });

  it('falls back to polling when the server has no stream (409)', async () => {
    const server = await serve();
    server.streamStatus = 409;
    const c = client(server, { refreshIntervalMs: 30 });
    const seen = errors(c);
    await c.start();
    assert.equal(c.isEnabled('checkout-v2'), true);
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => c.isEnabled('dark-mode'), 2000, 'polled change');
    assert.deepEqual(server.requests.filter((r) => r.path.endsWith('/stream')).length, 1);
    assert.deepEqual(seen, []);
  });
});

describe('SluiceClient telemetry', () => {
  it('sends evaluation counts per flag and variant', async () => {
    const variants = [{ name: 'blue', weight: 1000, payload: { type: 'string', value: 'b' } }];
    const server = await serve({ features: [feature('checkout-v2'), feature('dark-mode', false), feature('color', true, { variants })] });
    const c = client(server, { metricsIntervalMs: 40 });
    await c.start();
    for (let i = 0; i < 3; i++) c.isEnabled('checkout-v2');
    c.isEnabled('dark-mode');
    c.isEnabled('missing');
    assert.deepEqual(c.variant('color'), { name: 'blue', enabled: true, featureEnabled: true, payload: { type: 'string', value: 'b' }, value: 'b' });
    c.evaluate('color');
    await waitFor(() => server.metrics.length > 0, 2000, 'metrics');
    const m = server.metrics[0] as { environment: string; appName: string; instanceId: string; start: number; stop: number; toggles: unknown };
    assert.equal(m.environment, 'production');
    assert.equal(m.appName, 'checkout');
    assert.equal(typeof m.instanceId, 'string');
    assert.ok(m.stop >= m.start);
    assert.deepEqual(m.toggles, {
      'checkout-v2': { yes: 3, no: 0, variants: {} },
      'dark-mode': { yes: 0, no: 1, variants: {} },
      color: { yes: 2, no: 0, variants: { blue: 2 } },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.metrics.length, 1, 'empty buckets are not sent');
  });

  it('batches tracked events: sent on flush, at 100 queued, and on close', async () => {
    const server = await serve();
    const c = client(server, { context: { properties: { plan: 'pro' } }, clock: { now: () => 1234 } });
    await c.start();
    c.track('checkout', 12.5, { userId: 'u1' });
    c.track('view', undefined, { sessionId: 's1' });
    c.track('bad name!', 1);
    c.track('anon');
    assert.equal(server.events.length, 0);
    await c.flush();
    assert.deepEqual(server.events[0], [
      { key: 'u1', event: 'checkout', value: 12.5, at: 1234 },
      { key: 's1', event: 'view', at: 1234 },
      { key: c.sessionId, event: 'anon', at: 1234 },
    ]);
    for (let i = 0; i < 100; i++) c.track('click', i, { userId: 'u2' });
    await waitFor(() => server.events.length === 2, 2000, 'batch of 100');
    assert.equal(server.events[1]?.length, 100);
    c.track('last');
    await c.close();
    assert.deepEqual(server.events[2]?.map((e) => e.event), ['last']);
  });

  it('reports an invalid event as INVALID_EVENT without throwing', async () => {
    const server = await serve();
    const c = client(server);
    const seen = errors(c);
    c.track('x'.repeat(101));
    c.track('ok', 1, { userId: 'u'.repeat(201) });
    c.track('ok', 2e12);
    c.track('ok', Number.NaN);
    assert.deepEqual(seen.map((e) => e.code), ['INVALID_EVENT', 'INVALID_EVENT', 'INVALID_EVENT', 'INVALID_EVENT']);
  });

  it('a batch the server refuses (400) is REJECTED and dropped, not retried', async () => {
    const server = await serve();
    let posts = 0;
    const refusing = client(server, {
      fetch: async (input, init) => (init?.method === 'POST' ? (posts++, new Response('{}', { status: 400 })) : fetch(input, init)),
    });
    const refused = errors(refusing);
    refusing.track('e', 1);
    await refusing.flush();
    await refusing.flush();
    assert.equal(posts, 1);
    assert.deepEqual(refused.map((e) => e.code), ['REJECTED']);
  });
});
