import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { ProtocolServer, feature, waitFor } from '../testing/protocol-server.js';
import { SluiceServerProvider, toFlagContext } from './server-provider.js';

const features = [
  feature('checkout-v2'),
  feature('dark-mode', false),
  feature('beta', true, { strategies: [{ name: 'default', constraints: [{ contextName: 'userId', operator: 'IN', values: ['u1'] }] }] }),
  feature('button-color', true, { variants: [{ name: 'blue', weight: 1000, payload: { type: 'string', value: 'blue' } }] }),
  feature('max-items', true, { variants: [{ name: 'ten', weight: 1000, payload: { type: 'number', value: '10' } }] }),
  feature('layout', true, { variants: [{ name: 'grid', weight: 1000, payload: { type: 'json', value: '{"columns":3}' } }] }),
  feature('broken', true, { variants: [{ name: 'bad', weight: 1000, payload: { type: 'json', value: '{nope' } }] }),
];

describe('SluiceServerProvider with the OpenFeature server SDK', () => {
  let server: ProtocolServer;
  let provider: SluiceServerProvider;
  before(async () => {
    server = await new ProtocolServer({ features, token: 't' }).start();
    provider = new SluiceServerProvider({ url: server.url, environment: 'production', appName: 'checkout', token: 't', metricsIntervalMs: 0 });
    await OpenFeature.setProviderAndWait(provider);
  });
  after(async () => {
    await OpenFeature.close();
    await server.stop();
  });

  it('has metadata and is ready', () => {
    assert.equal(provider.metadata.name, 'sluice');
    assert.equal(provider.runsOn, 'server');
    assert.equal(OpenFeature.getClient().providerStatus, ProviderStatus.READY);
  });

  it('resolves booleans with reason and no error fields on success', async () => {
    const client = OpenFeature.getClient();
    const on = await client.getBooleanDetails('checkout-v2', false);
    assert.equal(on.value, true);
    assert.equal(on.reason, 'STATIC');
    assert.equal(on.errorCode, undefined);
    assert.equal(on.errorMessage, undefined);
    assert.equal(on.variant, undefined);
    const off = await client.getBooleanDetails('dark-mode', true);
    assert.deepEqual([off.value, off.reason, off.errorCode], [false, 'DISABLED', undefined]);
  });

  it('maps targetingKey to userId for targeting', async () => {
    const client = OpenFeature.getClient();
    const hit = await client.getBooleanDetails('beta', false, { targetingKey: 'u1' });
    assert.deepEqual([hit.value, hit.reason], [true, 'TARGETING_MATCH']);
    assert.equal(await client.getBooleanValue('beta', true, { targetingKey: 'u2' }), false);
    assert.equal(await client.getBooleanValue('beta', false, { targetingKey: 'u2', userId: 'u1' }), true, 'userId wins');
  });

  it('resolves string, number and object values from variant payloads', async () => {
    const client = OpenFeature.getClient();
    const s = await client.getStringDetails('button-color', 'grey');
    assert.deepEqual([s.value, s.variant, s.reason, s.errorCode], ['blue', 'blue', 'STATIC', undefined]);
    const n = await client.getNumberDetails('max-items', 1);
    assert.deepEqual([n.value, n.variant], [10, 'ten']);
    const o = await client.getObjectDetails('layout', {});
    assert.deepEqual([o.value, o.variant], [{ columns: 3 }, 'grid']);
  });

  it('FLAG_NOT_FOUND returns the default with the error code', async () => {
    const d = await OpenFeature.getClient().getStringDetails('missing', 'fallback');
    assert.deepEqual([d.value, d.reason, d.errorCode], ['fallback', 'ERROR', ErrorCode.FLAG_NOT_FOUND]);
    assert.ok(d.errorMessage?.includes('missing'));
  });

  it('TYPE_MISMATCH when the value type differs from the requested one', async () => {
    const client = OpenFeature.getClient();
    const n = await client.getNumberDetails('button-color', 7);
    assert.deepEqual([n.value, n.errorCode, n.reason], [7, ErrorCode.TYPE_MISMATCH, 'ERROR']);
    const s = await client.getStringDetails('checkout-v2', 'x');
    assert.deepEqual([s.value, s.errorCode], ['x', ErrorCode.TYPE_MISMATCH]);
  });

  it('PARSE_ERROR for a malformed payload; a disabled flag gives the default without error', async () => {
    const client = OpenFeature.getClient();
    const p = await client.getObjectDetails('broken', { ok: true });
    assert.deepEqual([p.value, p.errorCode], [{ ok: true }, ErrorCode.PARSE_ERROR]);
    const d = await client.getStringDetails('dark-mode', 'light');
    assert.deepEqual([d.value, d.reason, d.errorCode], ['light', 'DISABLED', undefined]);
  });

  it('a change from the stream emits PROVIDER_CONFIGURATION_CHANGED with the flag names', async () => {
    const seen: EventDetails[] = [];
    const handler = (details?: EventDetails): void => void (details && seen.push(details));
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, handler);
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => seen.length > 0, 2000, 'configuration changed');
    OpenFeature.removeHandler(ProviderEvents.ConfigurationChanged, handler);
    assert.deepEqual(seen[0]?.flagsChanged, ['dark-mode']);
    assert.equal(await OpenFeature.getClient().getBooleanValue('dark-mode', false), true);
  });

  it('track reaches the server with the value and the targeting key', async () => {
    OpenFeature.getClient().track('checkout', { targetingKey: 'u9' }, { value: 12.5, currency: 'EUR' });
    await provider.client.flush();
    const events = server.events.flat();
    assert.equal(events.length, 1);
    assert.deepEqual([events[0]?.key, events[0]?.event, events[0]?.value], ['u9', 'checkout', 12.5]);
  });
});

describe('SluiceServerProvider failures', () => {
  it('a bad token fails initialization: the SDK reports the provider in ERROR', async () => {
    const server = await new ProtocolServer({ features, token: 'right' }).start();
    try {
      const provider = new SluiceServerProvider({ url: server.url, environment: 'production', appName: 'x', token: 'wrong', metricsIntervalMs: 0 });
      await assert.rejects(OpenFeature.setProviderAndWait('bad-token', provider));
      const client = OpenFeature.getClient('bad-token');
      assert.equal(client.providerStatus, ProviderStatus.ERROR);
      const d = await client.getBooleanDetails('checkout-v2', true);
      assert.equal(d.value, true);
      assert.equal(d.errorCode, ErrorCode.PROVIDER_NOT_READY);
    } finally {
      await OpenFeature.close();
      await server.stop();
    }
  });
});

describe('toFlagContext', () => {
  it('maps targetingKey, standard fields and properties', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    assert.deepEqual(toFlagContext({ targetingKey: 'u1', sessionId: 's', plan: 'pro', seats: 5, beta: true, at, nested: { a: 1 }, list: [1], properties: { region: 'eu', deep: {} } }), {
      userId: 'u1',
      sessionId: 's',
      properties: { plan: 'pro', seats: 5, beta: true, at: '2026-01-02T03:04:05.000Z', region: 'eu' },
    });
    assert.deepEqual(toFlagContext({ targetingKey: 'tk', userId: 'explicit' }), { userId: 'explicit' });
    assert.deepEqual(toFlagContext({}), {});
  });
});
