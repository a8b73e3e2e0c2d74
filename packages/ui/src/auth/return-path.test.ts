import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginHref, safeNext } from './return-path';

test('safeNext: pages of the release center pass, with their query', () => {
  assert.equal(safeNext('/ui/rollouts/shop-v2'), '/ui/rollouts/shop-v2');
  assert.equal(safeNext('/ui/flags?env=staging'), '/ui/flags?env=staging');
  assert.equal(safeNext('/ui/'), '/ui/');
});

test('safeNext: anything else goes to the releases (no open redirect, no loop)', () => {
  for (const raw of [null, undefined, '', 'https://evil.example/ui/', '//evil.example/ui/', '/api/v1/whoami', '/ui/../api', '/ui/x\\y', '/ui/login', '/ui/login?next=/ui/flags', '/ui/login/', 'ui/flags', '/ui/a\nb']) {
    assert.equal(safeNext(raw), '/ui/', String(raw));
  }
});

test('loginHref: keeps where the person was; none for the releases', () => {
  assert.equal(loginHref('/ui/rollouts/shop-v2', ''), '/ui/login?next=%2Fui%2Frollouts%2Fshop-v2');
  assert.equal(loginHref('/ui/flags', '?env=staging'), '/ui/login?next=%2Fui%2Fflags%3Fenv%3Dstaging');
  assert.equal(loginHref('/ui/', ''), '/ui/login');
  assert.equal(loginHref('/ui/login', '?next=%2Fui%2Fflags'), '/ui/login');
});
