import assert from 'node:assert/strict';
import { test } from 'node:test';
import { href, parseRoute } from './router';

test('parseRoute: the pages under /ui/', () => {
  assert.deepEqual(parseRoute('/ui/'), { page: 'flags' });
  assert.deepEqual(parseRoute('/ui/flags'), { page: 'flags' });
  assert.deepEqual(parseRoute('/ui/flags/'), { page: 'flags' });
  assert.deepEqual(parseRoute('/ui/flags/new-checkout'), { page: 'flags', flag: 'new-checkout' });
  assert.deepEqual(parseRoute('/ui/flags/a%20b'), { page: 'flags', flag: 'a b' });
  assert.deepEqual(parseRoute('/ui/flags/%E0%A4%A'), { page: 'not-found', path: '/flags/%E0%A4%A' });
  assert.deepEqual(parseRoute('/ui/flags/x/y'), { page: 'not-found', path: '/flags/x/y' });
  assert.deepEqual(parseRoute('/ui/releases'), { page: 'not-found', path: '/releases' });
});

test('href: BASE, the path and only the query values that are set', () => {
  assert.equal(href(''), '/ui/');
  assert.equal(href('flags', { env: 'staging', flag: undefined }), '/ui/flags?env=staging');
  assert.equal(href('/flags/a%2Fb'), '/ui/flags/a%2Fb');
});
