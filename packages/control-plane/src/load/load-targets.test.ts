import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError, type Service } from '@sluice/domain';
import { checkLoadTargets, isLoopbackHost, normaliseHost, upstreamHosts } from './load-targets.js';

function refusal(urls: string[], allowed: string[] = []): SluiceError {
  try {
    checkLoadTargets(urls, allowed);
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    return error;
  }
  assert.fail(`expected ${urls.join(', ')} to be refused`);
}

describe('checkLoadTargets', () => {
  test('allows loopback targets in every spelling the URL parser accepts', () => {
    const urls = ['http://127.0.0.1:9102', 'http://127.9.8.7/', 'http://LOCALHOST:1', 'http://[::1]:80', 'http://[0:0:0:0:0:0:0:1]', 'http://[::ffff:127.0.0.1]:5', 'http://127.1:8'];
    assert.deepEqual(checkLoadTargets(urls, []).map((u) => u.hostname), ['127.0.0.1', '127.9.8.7', 'localhost', '[::1]', '[::1]', '[::ffff:7f00:1]', '127.0.0.1']);
  });

  test('refuses an unlisted non-loopback host with INVALID_SPEC naming the host', () => {
    for (const [url, host] of [['http://10.0.0.5:8080', '10.0.0.5'], ['http://example.com/', 'example.com'], ['http://[::2]:80', '[::2]'], ['http://128.0.0.1', '128.0.0.1'], ['http://[::ffff:10.0.0.1]', '[::ffff:a00:1]']] as const) {
      const error = refusal(['http://127.0.0.1:1', url]);
      assert.equal(error.code, ErrorCode.INVALID_SPEC);
      assert.ok(error.message.includes(`"${host}"`), error.message);
      assert.equal(error.details['host'], host);
      assert.equal(error.details['target'], 1);
    }
  });

  test('allows a host listed in allowedHosts, compared as URL hosts', () => {
    const urls = ['http://api.internal:8080/v2', 'http://10.0.0.5', 'http://[fd00::1]:81'];
    assert.equal(checkLoadTargets(urls, ['API.Internal', '10.0.0.5', 'fd00::1']).length, 3);
    assert.match(refusal(urls, ['api.internal']).message, /"10\.0\.0\.5".*upstream hosts: api\.internal/);
  });

  test('only http:, no credentials (never echoed), no unparseable URLs, a bounded count', () => {
    assert.match(refusal(['https://127.0.0.1:8443']).message, /uses https: but load is sent over http: only/);
    const creds = refusal(['http://admin:hunter2@127.0.0.1:1']);
    assert.match(creds.message, /carries credentials/);
    assert.doesNotMatch(`${creds.message}${JSON.stringify(creds.details)}`, /hunter2/);
    const bad = refusal(['not a url hunter2']);
    assert.match(bad.message, /target #1 is not a valid URL/);
    assert.doesNotMatch(bad.message, /hunter2/);
    assert.match(refusal([]).message, /no target/);
    assert.match(refusal(Array.from({ length: 257 }, () => 'http://127.0.0.1:1')).message, /257 targets/);
  });

  test('isLoopbackHost and normaliseHost', () => {
    assert.equal(isLoopbackHost('127.255.255.255'), true);
    assert.equal(isLoopbackHost('126.0.0.1'), false);
    assert.equal(isLoopbackHost('localhost.evil.com'), false);
    assert.equal(normaliseHost('::1'), '[::1]');
    assert.equal(normaliseHost('Api.Internal'), 'api.internal');
    assert.equal(normaliseHost('a:80'), undefined);
    assert.equal(normaliseHost('[FD00::1]'), '[fd00::1]');
    assert.equal(normaliseHost('a/b'), undefined);
    assert.equal(normaliseHost('fe80::1%eth0'), undefined);
    assert.equal(normaliseHost(''), undefined);
  });

  test('upstreamHosts lists the hosts of every upstreams version', () => {
    const service: Service = {
      name: 'shop',
      version: 0,
      spec: {
        listen: '127.0.0.1:0',
        stickiness: { cookie: 'c' },
        stable: 'v1',
        versions: { v1: { kind: 'upstreams', upstreams: ['http://API.internal:8080', 'http://10.0.0.5'] }, v2: { kind: 'upstreams', upstreams: ['http://api.internal:9090/x'] } },
      },
      status: { stable: 'v1', revision: 1 },
    };
    assert.deepEqual(upstreamHosts(service), ['api.internal', '10.0.0.5']);
  });
});
