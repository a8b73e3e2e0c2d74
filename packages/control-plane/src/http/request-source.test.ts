import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { cleanAddress, forwardedClient, MAX_SOURCE_LENGTH, requestSource } from './request-source.js';

describe('request source', () => {
  test('cleanAddress keeps IP addresses (IPv4-mapped IPv6 as IPv4, lower case) and refuses anything else', () => {
    assert.equal(cleanAddress('203.0.113.7'), '203.0.113.7');
    assert.equal(cleanAddress(' ::ffff:127.0.0.1 '), '127.0.0.1');
    assert.equal(cleanAddress('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(cleanAddress('fe80::1%eth0'), 'fe80::1%eth0');
    for (const bad of ['', 'localhost', '1.2.3.4:80', '999.1.1.1', '<script>', `1.2.3.4${' '.repeat(MAX_SOURCE_LENGTH)}x`]) assert.equal(cleanAddress(bad), undefined, bad);
  });

  test('forwardedClient takes the last X-Forwarded-For entry (the trusted proxy\'s), never a forged earlier one', () => {
    assert.equal(forwardedClient('6.6.6.6, 198.51.100.9'), '198.51.100.9');
    assert.equal(forwardedClient('198.51.100.9'), '198.51.100.9');
    assert.equal(forwardedClient('198.51.100.9, garbage'), undefined);
    assert.equal(forwardedClient(undefined), undefined);
    assert.equal(forwardedClient(`${'1.1.1.1,'.repeat(600)}2.2.2.2`), undefined, 'too long');
  });

  test('requestSource: the socket peer, or with trustProxy the forwarded client, falling back to the peer', async () => {
    const app = new Hono();
    app.get('/:trust', (c) => c.json({ source: requestSource(c, c.req.param('trust') === 'yes') ?? null }));
    const env = { incoming: { socket: { remoteAddress: '::ffff:10.0.0.5' } } };
    const sourceIn = async (res: Response) => ((await res.json()) as { source: string | null }).source;
    const ask = async (trust: string, xff?: string) => sourceIn(await app.request(`/${trust}`, { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }, env));
    assert.equal(await ask('no', '198.51.100.9'), '10.0.0.5');
    assert.equal(await ask('yes', '6.6.6.6, 198.51.100.9'), '198.51.100.9');
    assert.equal(await ask('yes', 'not-an-ip'), '10.0.0.5');
    assert.equal(await ask('yes'), '10.0.0.5');
    assert.equal(await sourceIn(await app.request('/no')), null, 'no socket (app.request without env): unknown');
  });
});
