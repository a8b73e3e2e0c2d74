import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTION_RULES, can, matchesService, parseWhoami, roleAtLeast, serviceGranted, type Whoami } from './permissions';

const person = (role: Whoami['role'], services: readonly string[] = ['*']): Whoami => ({ auth: 'on', name: 'ana', role, services, scopes: [], expiresAt: null });

test('can: auth off or unknown allows everything, as before logins', () => {
  for (const action of Object.keys(ACTION_RULES) as (keyof typeof ACTION_RULES)[]) {
    assert.deepEqual(can(undefined, action, 'shop'), { allowed: true });
    assert.deepEqual(can({ ...person('viewer', []), auth: 'off' }, action, 'shop'), { allowed: true });
  }
});

test('can: a viewer reads only; the reason names the role needed', () => {
  assert.deepEqual(can(person('viewer'), 'rollout.steer', 'shop'), { allowed: false, reason: 'needs operator role (you are viewer)' });
  assert.deepEqual(can(person('viewer'), 'flag.change'), { allowed: false, reason: 'needs operator role (you are viewer)' });
  assert.equal(can(person('viewer'), 'experiment.steer').allowed, false);
  assert.equal(can(person('viewer'), 'service.undo', 'shop').allowed, false);
});

test('can: an operator steers rollouts, flags and experiments, but saving targeting (apply) needs admin', () => {
  for (const action of ['rollout.steer', 'service.undo', 'flag.change', 'experiment.steer'] as const) assert.deepEqual(can(person('operator'), action, 'shop'), { allowed: true }, action);
  assert.deepEqual(can(person('operator'), 'flag.edit-rules'), { allowed: false, reason: 'needs admin role (you are operator)' });
  for (const action of Object.keys(ACTION_RULES) as (keyof typeof ACTION_RULES)[]) assert.deepEqual(can(person('admin'), action, 'shop'), { allowed: true }, action);
});

test('can: the service grants must cover the service acted on', () => {
  const shopOnly = person('operator', ['shop', 'cart-*']);
  assert.deepEqual(can(shopOnly, 'rollout.steer', 'shop'), { allowed: true });
  assert.deepEqual(can(shopOnly, 'rollout.steer', 'cart-eu'), { allowed: true });
  assert.deepEqual(can(shopOnly, 'rollout.steer', 'search'), { allowed: false, reason: 'needs a grant for service search (yours: shop, cart-*)' });
  assert.deepEqual(can(person('admin', []), 'service.undo', 'shop'), { allowed: false, reason: 'needs a grant for service shop (yours: none)' });
  // A shared resource (flags, apply) is written only with the grant "*", as the control plane checks.
  assert.deepEqual(can(person('operator', ['*']), 'flag.change'), { allowed: true });
  assert.deepEqual(can(shopOnly, 'flag.change'), { allowed: false, reason: 'needs a grant for all services, * (yours: shop, cart-*)' });
  // So does a change about no service (an experiment of no service).
  assert.deepEqual(can(shopOnly, 'experiment.steer'), { allowed: false, reason: 'needs a grant for all services, * (yours: shop, cart-*)' });
  assert.deepEqual(can(shopOnly, 'experiment.steer', 'shop'), { allowed: true });
  // The role is reported before the grant.
  assert.match((can(person('viewer', []), 'rollout.steer', 'shop') as { reason: string }).reason, /needs operator role/);
});

test('can: a token limited to scopes may only do what they cover; no scope = all', () => {
  const flagsOnly: Whoami = { ...person('admin'), scopes: ['flags'] };
  assert.deepEqual(can(flagsOnly, 'flag.change'), { allowed: true });
  assert.deepEqual(can(flagsOnly, 'rollout.steer', 'shop'), { allowed: false, reason: 'needs scope rollouts (yours: flags)' });
  assert.deepEqual(can(flagsOnly, 'flag.edit-rules'), { allowed: false, reason: 'needs scope resources (yours: flags)' });
  assert.deepEqual(can({ ...person('admin'), scopes: ['rollouts', 'experiments'] }, 'experiment.steer', 'shop'), { allowed: true });
});

test('matchesService: whole-name globs; regex characters are literal', () => {
  assert.equal(matchesService('*', 'anything'), true);
  assert.equal(matchesService('shop', 'shop'), true);
  assert.equal(matchesService('shop', 'shop-eu'), false);
  assert.equal(matchesService('shop-*', 'shop-eu'), true);
  assert.equal(matchesService('shop-*', 'myshop-eu'), false);
  assert.equal(matchesService('*-eu', 'cart-eu'), true);
  assert.equal(matchesService('shop-?', 'shop-1'), true);
  assert.equal(matchesService('shop-?', 'shop-12'), false);
  assert.equal(matchesService('a.b', 'axb'), false);
  assert.equal(serviceGranted([], 'shop'), false);
  assert.equal(serviceGranted(['cart', 'sh*'], 'shop'), true);
});

test('roleAtLeast: admin ⊃ operator ⊃ viewer', () => {
  assert.equal(roleAtLeast('admin', 'operator'), true);
  assert.equal(roleAtLeast('operator', 'operator'), true);
  assert.equal(roleAtLeast('operator', 'admin'), false);
  assert.equal(roleAtLeast('viewer', 'operator'), false);
});

test('parseWhoami: the contract shape; anything malformed is undefined', () => {
  assert.deepEqual(parseWhoami({ auth: 'on', name: 'ana', role: 'viewer', services: ['shop'], scopes: ['read'], expiresAt: 1700000000000 }), {
    auth: 'on', name: 'ana', role: 'viewer', services: ['shop'], scopes: ['read'], expiresAt: 1700000000000,
  });
  assert.deepEqual(parseWhoami({ auth: 'on', name: 'ana', role: 'admin', services: ['*'], scopes: [], expiresAt: null })?.expiresAt, null);
  assert.equal(parseWhoami({ auth: 'off' })?.auth, 'off');
  for (const bad of [null, 'x', {}, { auth: 'on', name: 'ana', role: 'root', services: [] }, { auth: 'on', name: 'ana', role: 'viewer' }, { auth: 'on', name: 3, role: 'viewer', services: [] }, { auth: 'on', name: 'a', role: 'viewer', services: [1] }]) {
    assert.equal(parseWhoami(bad), undefined, JSON.stringify(bad));
  }
});
