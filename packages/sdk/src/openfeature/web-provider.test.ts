import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, type EventDetails } from '@openfeature/web-sdk';
import { memoryCache } from '../cache.js';
import { ProtocolServer, feature, waitFor } from '../testing/protocol-server.js';
import { SluiceWebProvider } from './web-provider.js';

const features = [
  feature('checkout-v2'),
  feature('beta', true, { strategies: [{ name: 'default', constraints: [{ contextName: 'plan', operator: 'IN', values: ['pro'] }] }] }),
  feature('button-color', true, { variants: [{ name: 'blue', weight: 1000, payload: { type: 'string', value: 'blue' } }] }),
  feature('layout', true, { variants: [{ name: 'grid', weight: 1000, payload: { type: 'json', value: '{"columns":3}' } }] }),
];

describe('SluiceWebProvider with the OpenFeature web SDK', () => {
  let server: ProtocolServer;
  let provider: SluiceWebProvider;
  const cache = memoryCache();
  before(async () => {
    server = await new ProtocolServer({ features }).start();
    provider = new SluiceWebProvider({ url: server.url, environment: 'production', appName: 'web', cache, metricsIntervalMs: 0 });
    await OpenFeature.setContext({ targetingKey: 'u1', plan: 'free' });
    await OpenFeature.setProviderAndWait(provider);
  });
  after(async () => {
    await OpenFeature.close();
    await server.stop();
  });

  it('is ready and resolves synchronously against the static context', () => {
    const client = OpenFeature.getClient();
    assert.equal(provider.metadata.name, 'sluice');
    assert.equal(client.providerStatus, ProviderStatus.READY);
    const on = client.getBooleanDetails('checkout-v2', false);
    assert.deepEqual([on.value, on.reason, on.errorCode, on.errorMessage], [true, 'STATIC', undefined, undefined]);
    assert.equal(client.getBooleanValue('beta', true), false, 'plan is free');
    assert.equal(client.getStringValue('button-color', 'grey'), 'blue');
    assert.deepEqual(client.getObjectValue('layout', {}), { columns: 3 });
  });

  it('a new static context applies to the next evaluation without reconciling', async () => {
    const statuses: string[] = [];
    const handler = (): void => void statuses.push('reconciling');
    OpenFeature.addHandler(ProviderEvents.Reconciling, handler);
    await OpenFeature.setContext({ targetingKey: 'u1', plan: 'pro' });
    OpenFeature.removeHandler(ProviderEvents.Reconciling, handler);
    assert.deepEqual(statuses, []);
    assert.equal(OpenFeature.getClient().getBooleanValue('beta', false), true);
  });

  it('FLAG_NOT_FOUND and TYPE_MISMATCH return the default with the error code', () => {
    const client = OpenFeature.getClient();
    const missing = client.getNumberDetails('missing', 3);
    assert.deepEqual([missing.value, missing.errorCode], [3, ErrorCode.FLAG_NOT_FOUND]);
    const mismatch = client.getNumberDetails('button-color', 3);
    assert.deepEqual([mismatch.value, mismatch.errorCode], [3, ErrorCode.TYPE_MISMATCH]);
  });

  it('a change from the stream emits PROVIDER_CONFIGURATION_CHANGED', async () => {
    const seen: EventDetails[] = [];
    const handler = (details?: EventDetails): void => void (details && seen.push(details));
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, handler);
    server.push({ type: 'feature-removed', featureName: 'checkout-v2' });
    await waitFor(() => seen.length > 0, 2000, 'configuration changed');
    OpenFeature.removeHandler(ProviderEvents.ConfigurationChanged, handler);
    assert.deepEqual(seen[0]?.flagsChanged, ['checkout-v2']);
    assert.equal(OpenFeature.getClient().getBooleanDetails('checkout-v2', true).errorCode, ErrorCode.FLAG_NOT_FOUND);
    assert.equal(cache.state?.features.some((f) => f.name === 'checkout-v2'), false, 'the cache follows');
  });

  it('track reaches the server keyed by the targeting key', async () => {
    OpenFeature.getClient().track('signup', { value: 1 });
    await provider.client.flush();
    const events = server.events.flat();
    assert.deepEqual(events.map((e) => [e.key, e.event, e.value]), [['u1', 'signup', 1]]);
  });
});
