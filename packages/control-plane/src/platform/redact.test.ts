import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets, redactUrl } from './redact.js';

test('passwords in URLs are masked, whatever they contain', () => {
  assert.equal(redactUrl('postgres://app:s3cret@db:5432/shop'), 'postgres://app:***@db:5432/shop');
  assert.equal(redactUrl('postgres://:pw@db/shop'), 'postgres://:***@db/shop');
  assert.equal(redactUrl('postgresql://app:p%40ss@db/shop'), 'postgresql://app:***@db/shop');
  assert.equal(redactUrl('http://127.0.0.1:9090'), 'http://127.0.0.1:9090');
  assert.equal(redactUrl('sqlite:/var/db.sqlite'), 'sqlite:/var/db.sqlite');
  assert.equal(redactUrl('postgres://app:p@ss@db/shop'), 'postgres://app:***@db/shop');
  assert.equal(redactUrl('GET http://u:tok@m.example/x (path $)'), 'GET http://u:***@m.example/x (path $)');
});

test('specs keep their shape; credential headers and URL passwords are masked', () => {
  const spec = {
    metrics: [
      { provider: { kind: 'sql', url: 'postgres://app:pw@db/shop' }, query: 'select 1' },
      { provider: { kind: 'web', baseUrl: 'http://m', headers: { Authorization: 'Bearer abc', 'x-team': 'payments', 'X-Api-Key': 'k' } } },
    ],
  };
  assert.deepEqual(redactSecrets(spec), {
    metrics: [
      { provider: { kind: 'sql', url: 'postgres://app:***@db/shop' }, query: 'select 1' },
      { provider: { kind: 'web', baseUrl: 'http://m', headers: { Authorization: '***', 'x-team': 'payments', 'X-Api-Key': '***' } } },
    ],
  });
  assert.equal(spec.metrics[0]?.provider.url, 'postgres://app:pw@db/shop', 'the stored spec is not changed');
});
