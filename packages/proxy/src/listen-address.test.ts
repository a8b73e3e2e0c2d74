import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import { formatAddress, parseListen } from './listen-address.js';

test('parseListen reads IPv4, names, bracketed IPv6 and a bare port', () => {
  assert.deepEqual(parseListen('s', '127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('s', 'localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseListen('s', '[::1]:65535'), { host: '::1', port: 65535 });
  assert.deepEqual(parseListen('s', ':9000'), { host: undefined, port: 9000 });
});

test('parseListen rejects what is not host:port with INVALID_SPEC naming the service and value', () => {
  for (const bad of ['8080', 'localhost', 'host:', 'host:65536', 'host:80x', '::1:80', 'host:-1']) {
    assert.throws(
      () => parseListen('shop', bad),
      (error: unknown) => error instanceof SluiceError && error.code === 'INVALID_SPEC' && error.message.includes(`"${bad}"`) && error.message.includes('"shop"'),
      bad,
    );
  }
});

test('formatAddress brackets IPv6 hosts', () => {
  assert.equal(formatAddress({ address: '127.0.0.1', family: 'IPv4', port: 1 }), '127.0.0.1:1');
  assert.equal(formatAddress({ address: '::1', family: 'IPv6', port: 2 }), '[::1]:2');
  assert.equal(formatAddress(null), '');
});
