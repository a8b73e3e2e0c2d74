import assert from 'node:assert/strict';
import { test } from 'node:test';
import { href, parseRoute } from './router';

test('parseRoute: the pages under /ui/', () => {
  assert.deepEqual(parseRoute('/ui/'), { page: 'releases' });
  assert.deepEqual(parseRoute('/ui/releases'), { page: 'releases' });
  assert.deepEqual(parseRoute('/ui/flags'), { page: 'flags' });
  assert.deepEqual(parseRoute('/ui/flags/'), { page: 'flags' });
  assert.deepEqual(parseRoute('/ui/flags/new-checkout'), { page: 'flags', flag: 'new-checkout' });
  assert.deepEqual(parseRoute('/ui/flags/a%20b'), { page: 'flags', flag: 'a b' });
  assert.deepEqual(parseRoute('/ui/flags/%E0%A4%A'), { page: 'not-found', path: '/flags/%E0%A4%A' });
  assert.deepEqual(parseRoute('/ui/flags/x/y'), { page: 'not-found', path: '/flags/x/y' });
  assert.deepEqual(parseRoute('/ui/rollouts/shop-v2'), { page: 'rollout', name: 'shop-v2' });
  assert.deepEqual(parseRoute('/ui/rollouts'), { page: 'not-found', path: '/rollouts' });
  assert.deepEqual(parseRoute('/ui/services/shop'), { page: 'service', name: 'shop' });
  assert.deepEqual(parseRoute('/ui/experiments'), { page: 'experiments' });
  assert.deepEqual(parseRoute('/ui/experiments/button-color'), { page: 'experiments', name: 'button-color' });
  assert.deepEqual(parseRoute('/ui/migrations'), { page: 'migrations' });
  assert.deepEqual(parseRoute('/ui/audit'), { page: 'audit' });
  assert.deepEqual(parseRoute('/ui/audit/x'), { page: 'not-found', path: '/audit/x' });
  assert.deepEqual(parseRoute('/ui/login'), { page: 'login' });
  assert.deepEqual(parseRoute('/ui/login/x'), { page: 'not-found', path: '/login/x' });
  assert.deepEqual(parseRoute('/ui/nope'), { page: 'not-found', path: '/nope' });
});

test('href: BASE, the path and only the query values that are set', () => {
  assert.equal(href(''), '/ui/');
  assert.equal(href('flags', { env: 'staging', flag: undefined }), '/ui/flags?env=staging');
  assert.equal(href('/flags/a%2Fb'), '/ui/flags/a%2Fb');
});
