import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { TrafficWindows } from '../metrics/traffic-windows.js';
import { createProviderFactory } from './provider-factory.js';

const NOW = 1_800_000_000_000;
const window = { fromMs: NOW - 10_000, toMs: NOW + 1_000 };

test('specs become working providers: builtin over the windows, web with the spec\'s JSON path, command', async () => {
  const traffic = new TrafficWindows({ clock: { now: () => NOW } });
  for (let i = 0; i < 20; i++) traffic.record({ service: 'shop', version: 'v2', route: 'split', status: i < 2 ? 500 : 200, durationMs: 5 });
  const server = createServer((req, res) => res.end(JSON.stringify({ data: { rate: req.url === '/m?v=v2' ? 0.25 : 1 } })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const providers = createProviderFactory({ traffic, resilience: { backoffMs: 1 } });
    const check = { timeoutMs: 2_000, retries: 0 };
    const builtin = await providers({ ...check, provider: { kind: 'builtin' } }).measure({ query: 'error-rate', args: { service: 'shop', version: 'v2' }, ...window });
    assert.deepEqual(builtin.kind === 'value' && builtin.value, 0.1);
    const web = await providers({ ...check, provider: { kind: 'web', baseUrl: base, jsonPath: '$.data.rate' } }).measure({ query: '/m?v={{version}}', args: { version: 'v2' }, ...window });
    assert.deepEqual(web.kind === 'value' && web.value, 0.25);
    const command = await providers({ ...check, provider: { kind: 'command' } }).measure({ query: 'echo 42', args: {}, ...window });
    assert.deepEqual(command.kind === 'value' && command.value, 42);
    assert.equal(providers({ ...check, provider: { kind: 'command' } }), providers({ ...check, provider: { kind: 'command' } }), 'one provider per spec and settings');
  } finally {
    server.close();
  }
});

test('a provider that keeps failing is retried, then reports provider, query and cause', async () => {
  const providers = createProviderFactory({ traffic: undefined, resilience: { backoffMs: 1 } });
  const failing = providers({ timeoutMs: 1_000, retries: 2, provider: { kind: 'prometheus', address: 'http://127.0.0.1:1' } });
  await assert.rejects(failing.measure({ query: 'up', args: {}, ...window }), (error: Error) => /prometheus/.test(error.message) && /up/.test(error.message) && /3 attempts|attempt/.test(error.message));
});
