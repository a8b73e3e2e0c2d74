import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TokenRole } from '../store/token-store.js';
import { ROUTE_PERMISSIONS, type RoutePermission } from './permissions.js';
import { apiRouteKeys } from './testing/api-route-list.js';
import { startAuthApi, type AuthTestApi } from './testing/auth-api.js';

/** A concrete path for a route pattern: shop's service and rollout, made-up names elsewhere. */
function concrete(pattern: string): string {
  return pattern
    .replace('/services/:name', '/services/shop')
    .replace('/rollouts/:name', '/rollouts/shop-v2')
    .replace(':environment', 'production')
    .replace(/:[a-z]+/g, 'x')
    .replace('/ui/*', '/ui/index.html');
}

const BELOW: Readonly<Record<TokenRole, readonly TokenRole[]>> = { viewer: [], operator: ['viewer'], admin: ['viewer', 'operator'] };

let api: AuthTestApi;
let tokens: Record<string, string>;
const routes = apiRouteKeys().map((key) => {
  const [method = '', pattern = ''] = key.split(' ');
  return { key, method, path: concrete(pattern), permission: ROUTE_PERMISSIONS[key] as RoutePermission };
});

before(async () => {
  api = await startAuthApi({ limits: { maxFailures: 1_000_000 } });
  tokens = {
    viewer: await api.token('viewer-1', 'viewer'),
    operator: await api.token('operator-1', 'operator'),
    admin: await api.token('admin-1', 'admin'),
    otherAdmin: await api.token('other-admin', 'admin', { services: ['other-service'] }),
    expired: await api.token('expired-1', 'admin', { expiresInMs: 1000 }),
    revoked: await api.token('revoked-1', 'admin'),
  };
  await api.auth.tokens.revoke('revoked-1');
  api.clock.advance(1000);
});
after(() => api.close());

const call = (route: (typeof routes)[number], token?: string) =>
  api.request(route.method, route.path, { ...(token === undefined ? {} : { token }), ...(route.method === 'GET' ? {} : { body: '{}' }) });

describe('RBAC: every route of the API', () => {
  test('the route list is the real one', () => assert.ok(routes.length > 50 && routes.every((r) => r.permission !== undefined)));

  test('without a token: 401 with WWW-Authenticate, except the public and flag-client routes', async () => {
    for (const route of routes) {
      const answer = await call(route);
      if (route.permission.access === 'public') {
        assert.ok(answer.status !== 401 && answer.status !== 403, `${route.key} answered ${answer.status} without a token`);
      } else if (route.permission.access === 'client') {
        // The Unleash routes answer 401 themselves without a client token; the API's auth must not.
        assert.ok(!answer.text.includes('UNAUTHENTICATED'), `${route.key} was refused by the API's auth: ${answer.text.slice(0, 200)}`);
      } else {
        assert.equal(answer.status, 401, `${route.key} without a token`);
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/, route.key);
        assert.equal(JSON.parse(answer.text).error.code, 'UNAUTHENTICATED', route.key);
      }
    }
  });

  test('a role below the route\'s gets 403 naming the role needed; the route\'s own role gets neither 401 nor 403', async () => {
    for (const route of routes) {
      const { access } = route.permission;
      if (access === 'public' || access === 'client') continue;
      const need: TokenRole = access === 'authenticated' ? 'viewer' : access;
      for (const lower of BELOW[need]) {
        const answer = await call(route, tokens[lower]);
        assert.equal(answer.status, 403, `${lower} on ${route.key}`);
        const error = JSON.parse(answer.text).error;
        assert.equal(error.code, 'FORBIDDEN');
        assert.ok(error.message.includes(`needs the ${need} role`) && error.message.includes(`has the ${lower} role`), error.message);
      }
      const answer = await call(route, tokens[need]);
      assert.ok(answer.status !== 401 && answer.status !== 403, `${need} on ${route.key} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    }
  });

  test('a token granted only other-service gets 403 on every route about shop; expired and revoked tokens get 401', async () => {
    for (const route of routes) {
      const { access, subject } = route.permission;
      if (access === 'public' || access === 'client') continue;
      if (subject === 'service' || subject === 'rollout' || subject === 'all') {
        const answer = await call(route, tokens['otherAdmin']);
        assert.equal(answer.status, 403, `other-service grant on ${route.key}`);
      }
      for (const bad of ['expired', 'revoked'] as const) {
        const answer = await call(route, tokens[bad]);
        assert.equal(answer.status, 401, `${bad} token on ${route.key}`);
        assert.equal(JSON.parse(answer.text).error.details.reason, bad);
      }
    }
  });
});

describe('RBAC: paths spelled another way', () => {
  test('a viewer never reaches promote through encoded, doubled, trailing-slash or upper-case spellings', async () => {
    const spellings = [
      '/api/v1/rollouts/shop-v2/promot%65',
      '/api/v1/rollout%73/shop-v2/promote',
      '/api/v1/rollouts/shop%2Dv2/promote',
      '/api/v1/rollouts/shop-v2/promote/',
      '/api/v1//rollouts/shop-v2/promote',
      '/api/v1/rollouts//shop-v2/promote',
      '/API/v1/rollouts/shop-v2/promote',
      '/api/v1/rollouts/shop-v2/./promote',
      '/api/v1/rollouts/shop-v2/x/../promote',
    ];
    for (const path of spellings) {
      const before = (await api.store.rollouts.get('shop-v2'))?.version;
      const answer = await api.request('POST', path, { token: tokens['viewer'] ?? '', body: '{}' });
      assert.ok(answer.status === 403 || answer.status === 404, `${path} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
      assert.equal((await api.store.rollouts.get('shop-v2'))?.version, before, `${path} changed the rollout`);
    }
  });
});
