import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { SluiceClient } from '@sluice/sdk';
import { createNodeClient } from '@sluice/sdk/node';
import { SluiceServerProvider } from '@sluice/sdk/openfeature-server';
import { startControlPlane, type RunningControlPlane } from '../control-plane.js';
import { tempDir, waitFor } from './testing/sluice-process.js';

const TOKEN = 'production-token-0123456789abcdef';

const FLAGS = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: button-color }
spec:
  type: string
  variants:
    - { name: blue, value: blue, weight: 100 }
    - { name: green, value: green, weight: 0 }
  environments:
    production:
      enabled: true
      overrides: [ { values: [alice], variant: green } ]
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: checkout-v2 }
spec:
  kind: kill-switch
  environments:
    production: { enabled: true }
    staging: { enabled: true }
`;

async function call(base: string, path: string, body?: string): Promise<any> {
  const res = await fetch(`${base}/api/v1${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': body?.startsWith('{') ? 'application/json' : 'application/yaml', 'x-sluice-actor': 'oncall' }, ...(body === undefined ? {} : { body }) });
  const json = await res.json();
  assert.ok(res.status < 300, `${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe('SDKs against the real control plane', () => {
  let cp: RunningControlPlane;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    dir = await tempDir('sluice-flag-sdk-');
    cp = await startControlPlane({ dataDir: dir.path, listen: '127.0.0.1:0', log: () => {}, flagTokens: [{ environment: 'production', token: TOKEN }] });
    await call(cp.url, '/apply', FLAGS);
  });
  after(async () => {
    await OpenFeature.close();
    await cp.close();
    await dir.remove();
  });

  test('the OpenFeature server provider resolves, hears the kill switch, and tracks', async () => {
    const provider = new SluiceServerProvider({ url: cp.url, environment: 'production', appName: 'shop', token: TOKEN, metricsIntervalMs: 0 });
    await OpenFeature.setProviderAndWait(provider);
    const client = OpenFeature.getClient();
    const bob = await client.getStringDetails('button-color', 'none', { targetingKey: 'bob' });
    assert.deepEqual([bob.value, bob.variant, bob.reason, bob.errorCode], ['blue', 'blue', 'STATIC', undefined]);
    const alice = await client.getStringDetails('button-color', 'none', { targetingKey: 'alice' });
    assert.deepEqual([alice.value, alice.variant, alice.reason], ['green', 'green', 'TARGETING_MATCH']);
    const missing = await client.getBooleanDetails('no-such-flag', false);
    assert.deepEqual([missing.value, missing.errorCode], [false, 'FLAG_NOT_FOUND']);
    assert.equal(await client.getBooleanValue('checkout-v2', false, { targetingKey: 'bob' }), true);

    const changed: string[][] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details?: EventDetails) => changed.push([...((details?.flagsChanged as string[] | undefined) ?? [])]));
    const killed = await call(cp.url, '/flags/checkout-v2/kill', JSON.stringify({ reason: 'incident 7' }));
    assert.deepEqual(Object.values(killed.environments).map((e: any) => e.enabled), [false, false]);
    await waitFor('the kill switch to reach the provider', async () => (changed.some((c) => c.includes('checkout-v2')) ? true : undefined), 5000);
    assert.equal(await client.getBooleanValue('checkout-v2', true, { targetingKey: 'bob' }), false);

    client.track('checkout', { targetingKey: 'bob' }, { value: 12.5 });
    await provider.onClose();
  });

  test('the Node client follows changes live; a new process with the server away starts from its last-known-good cache', async () => {
    const cache = new Map<string, unknown>();
    const store = { load: () => cache.get('s') as never, save: (s: unknown) => void cache.set('s', s) };
    const sdk = createNodeClient({ url: cp.url, environment: 'production', appName: 'worker', token: TOKEN, metricsIntervalMs: 0, cache: store, retry: { minDelayMs: 50, maxDelayMs: 200 } });
    await sdk.start();
    assert.equal(sdk.isEnabled('checkout-v2', { userId: 'u1' }), false, 'killed in the previous test');
    await call(cp.url, '/flags/checkout-v2/environments/production', JSON.stringify({ enabled: true }));
    await waitFor('the change', async () => (sdk.isEnabled('checkout-v2', { userId: 'u1' }) ? true : undefined), 3000);
    await sdk.close();

    // A new process with the server gone starts from the cache (last known good), fully usable.
    const offline = new SluiceClient({ url: 'http://127.0.0.1:1', environment: 'production', appName: 'worker', metricsIntervalMs: 0, cache: store, retry: { minDelayMs: 10_000 } });
    const errors: string[] = [];
    offline.on('error', (e) => errors.push(e.code));
    const ready = new Promise((r) => offline.once('ready', r));
    void offline.start().catch(() => undefined);
    assert.deepEqual(await ready, { source: 'cache' });
    assert.equal(offline.isEnabled('checkout-v2', { userId: 'u1' }), true);
    await offline.close();
  });
});
