import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ProtocolServer, feature, waitFor } from '../testing/protocol-server.js';
import { createNodeClient } from './index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the Node transport (@sluice/sdk/node)', () => {
  it('reads the stream straight from the socket: hydration, pushes with CRLF, resume after a drop, auth', async () => {
    const server = await new ProtocolServer({ token: 's3cret', lineEnding: '\r\n', features: [feature('checkout-v2'), feature('dark-mode', false)] }).start();
    cleanups.push(() => server.stop());
    const c = createNodeClient({ url: server.url, environment: 'production', appName: 'node', token: 's3cret', metricsIntervalMs: 0, retry: { minDelayMs: 20, maxDelayMs: 100 } });
    cleanups.push(() => c.close());
    await c.start();
    assert.equal(c.isEnabled('checkout-v2'), true);
    assert.equal(server.requests[0]?.authorization, 'Bearer s3cret');
    const changes: (readonly string[])[] = [];
    c.on('changed', (names) => changes.push(names));
    server.push({ type: 'feature-updated', feature: feature('dark-mode', true) });
    await waitFor(() => changes.length === 1, 2000, 'the pushed change');
    assert.deepEqual(changes, [['dark-mode']]);
    assert.equal(c.isEnabled('dark-mode'), true);
    server.dropConnections();
    server.push({ type: 'feature-updated', feature: feature('checkout-v2', false) });
    await waitFor(() => c.isEnabled('checkout-v2') === false, 3000, 'the change made while disconnected');
    assert.ok(server.lastEventIds.some((id) => id !== ''), `resumed with Last-Event-ID: ${JSON.stringify(server.lastEventIds)}`);
  });

  it('a wrong token is an UNAUTHORIZED error, as with fetch', async () => {
    const server = await new ProtocolServer({ token: 's3cret', features: [feature('a')] }).start();
    cleanups.push(() => server.stop());
    const c = createNodeClient({ url: server.url, environment: 'production', appName: 'node', token: 'wrong', metricsIntervalMs: 0 });
    cleanups.push(() => c.close());
    const seen: string[] = [];
    c.on('error', (e) => seen.push(e.code));
    await assert.rejects(c.start());
    assert.deepEqual(seen, ['UNAUTHORIZED']);
  });
});
