import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isHostName, listenConflict, listenKey } from './shared-listen.js';

describe('isHostName', () => {
  test('isHostName accepts DNS names, IPv4-looking names and a leading "*." wildcard', () => {
    for (const good of ['shop.example.com', 'localhost', 'a-b.c1.io', '*.shop.example.com', 'Shop.Example.COM', '127.0.0.1', `${'a'.repeat(63)}.com`]) {
      assert.equal(isHostName(good), true, good);
    }
  });

  test('isHostName rejects ports, empty labels, bad characters, inner wildcards and over-long names', () => {
    const long = Array.from({ length: 64 }, () => 'abc').join('.'); // 255 characters
    for (const bad of ['', '*', '*.', 'shop.example.com:8080', 'shop..com', '.shop.com', 'shop.com.', '-shop.com', 'shop-.com', 'sh_op.com', 'a.*.com', '**.com', '*example.com', `${'a'.repeat(64)}.com`, long, '[::1]', 'shop com']) {
      assert.equal(isHostName(bad), false, bad);
    }
  });
});

describe('listenConflict', () => {
  const at = (hosts?: string[], listen = '127.0.0.1:8080') => (hosts === undefined ? { listen } : { listen, hosts });

  test('listenConflict finds nothing between different addresses or on port 0', () => {
    assert.equal(listenConflict(at(), at(undefined, '127.0.0.1:8081')), undefined);
    assert.equal(listenConflict(at(undefined, '127.0.0.1:0'), at(undefined, '127.0.0.1:0')), undefined);
    assert.equal(listenKey('[::1]:0'), undefined);
    assert.equal(listenKey('LocalHost:8080'), 'localhost:8080');
  });

  test('listenConflict reports two services that both take every host', () => {
    assert.deepEqual(listenConflict(at(), at()), { kind: 'every-host' });
    assert.deepEqual(listenConflict(at([], 'LocalHost:8080'), at(undefined, 'localhost:8080')), { kind: 'every-host' });
  });

  test('listenConflict lets one service without hosts share with services naming distinct hosts', () => {
    assert.equal(listenConflict(at(), at(['a.example.com'])), undefined);
    assert.equal(listenConflict(at(['a.example.com']), at()), undefined);
    assert.equal(listenConflict(at(['a.example.com', 'b.example.com']), at(['c.example.com'])), undefined);
    assert.equal(listenConflict(at(['*.example.com']), at(['shop.example.com'])), undefined);
    assert.equal(listenConflict(at(['*.example.com']), at(['*.shop.example.com'])), undefined);
  });

  test('listenConflict reports the first shared name or wildcard, ignoring case, with its index', () => {
    assert.deepEqual(listenConflict(at(['x.io', 'Shop.example.com']), at(['shop.EXAMPLE.com'])), { kind: 'host', host: 'Shop.example.com', index: 1 });
    assert.deepEqual(listenConflict(at(['*.example.com']), at(['a.io', '*.example.com'])), { kind: 'host', host: '*.example.com', index: 0 });
  });
});
