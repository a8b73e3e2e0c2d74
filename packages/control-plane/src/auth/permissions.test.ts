import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesService, matchRoute, ROUTE_PERMISSIONS, roleAtLeast, UNLISTED } from './permissions.js';
import { apiRouteKeys } from './testing/api-route-list.js';

describe('the permission table', () => {
  test('every route of the API has an entry, and every entry is a route of the API', () => {
    const routes = apiRouteKeys();
    assert.ok(routes.length > 50, `only ${routes.length} routes found`);
    const missing = routes.filter((key) => ROUTE_PERMISSIONS[key] === undefined);
    assert.deepEqual(missing, [], `routes without a permission in auth/permissions.ts: ${missing.join(', ')}`);
    const stale = Object.keys(ROUTE_PERMISSIONS).filter((key) => !routes.includes(key));
    assert.deepEqual(stale, [], `permissions of routes that do not exist: ${stale.join(', ')}`);
  });

  test('every route that changes something needs at least operator; reads need a role unless public', () => {
    for (const [key, p] of Object.entries(ROUTE_PERMISSIONS)) {
      if (p.access === 'public' || p.access === 'client') continue;
      if (key.startsWith('GET ')) assert.notEqual(p.access, 'public', key);
      else assert.ok(p.access === 'operator' || p.access === 'admin', `${key} is ${p.access}`);
    }
  });

  test('requests match their route with decoded parameters; HEAD is GET; no match is undefined', () => {
    assert.deepEqual(matchRoute('POST', '/api/v1/rollouts/shop-v2/promote')?.params, { name: 'shop-v2' });
    assert.equal(matchRoute('POST', '/api/v1/rollouts/shop-v2/promote')?.permission.access, 'operator');
    assert.deepEqual(matchRoute('POST', '/api/v1/flags/dark%20mode/environments/production')?.params, { name: 'dark mode', environment: 'production' });
    assert.equal(matchRoute('GET', '/api/v1/flags/state')?.permission.access, 'client');
    assert.equal(matchRoute('GET', '/api/v1/flags/stale')?.key, 'GET /api/v1/flags/stale');
    assert.equal(matchRoute('GET', '/api/v1/flags/dark')?.key, 'GET /api/v1/flags/:name');
    assert.equal(matchRoute('HEAD', '/api/v1/services')?.key, 'GET /api/v1/services');
    assert.equal(matchRoute('GET', '/ui/assets/app.js')?.permission.access, 'public');
    assert.equal(matchRoute('POST', '/api/v1/rollouts/shop-v2/promote/'), undefined);
    assert.equal(matchRoute('GET', '/api/v1/nothing'), undefined);
    assert.deepEqual(UNLISTED, { access: 'admin', subject: 'all' }, 'a route missing from the table is admin-only');
    assert.equal(matchRoute('POST', '/api/v1/rollouts/%E0%A4%A/promote'), undefined);
  });

  test('roles include the ones below; grants are globs over the whole name', () => {
    assert.ok(roleAtLeast('admin', 'operator') && roleAtLeast('operator', 'viewer') && roleAtLeast('viewer', 'viewer'));
    assert.ok(!roleAtLeast('viewer', 'operator') && !roleAtLeast('operator', 'admin'));
    assert.ok(matchesService('payments-*', 'payments-eu') && matchesService('*', 'shop') && matchesService('sh?p', 'shop'));
    assert.ok(!matchesService('payments-*', 'shop') && !matchesService('shop', 'shop-v2') && !matchesService('a.b', 'axb'));
  });
});
