import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLineLogger } from '../platform/logger.js';
import { startAuthApi, type AuthTestApi } from './testing/auth-api.js';

const lines: string[] = [];
let api: AuthTestApi;
let admin: string;
const json = (text: string) => JSON.parse(text);

before(async () => {
  api = await startAuthApi({ log: createLineLogger((line) => lines.push(line)), limits: { maxFailures: 1_000_000 } });
  admin = await api.token('root', 'admin');
});
after(() => api.close());

describe('tokens over the API', () => {
  test('create answers the token once; list shows metadata only; the new token works until revoked', async () => {
    const created = await api.request('POST', '/api/v1/tokens', { token: admin, body: JSON.stringify({ name: 'ci', role: 'operator', services: ['shop'], scopes: ['rollouts'], expiresIn: '30d' }) });
    assert.equal(created.status, 201, created.text);
    const body = json(created.text);
    assert.match(body.token, /^sluice_[a-z0-9]{12}_/);
    assert.equal(body.createdBy, 'root');
    assert.equal(body.expiresAt, api.clock.now() + 30 * 86_400_000);
    assert.deepEqual([body.name, body.role, body.services, body.scopes, body.state], ['ci', 'operator', ['shop'], ['rollouts'], 'active']);
    const listed = await api.request('GET', '/api/v1/tokens', { token: admin });
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(body.token.split('_')[2]) && !listed.text.includes('digest') && !listed.text.includes(body.token.split('_')[1]), 'no secret, digest or id in the list');
    assert.deepEqual(json(listed.text).items.map((t: { name: string }) => t.name), ['ci', 'root']);
    const duplicate = await api.request('POST', '/api/v1/tokens', { token: admin, body: '{"name":"ci","role":"viewer"}' });
    assert.equal(duplicate.status, 409);
    const promote = await api.request('POST', '/api/v1/rollouts/shop-v2/pause', { token: body.token, body: '{}' });
    assert.ok(promote.status !== 401 && promote.status !== 403, promote.text);
    const revoked = await api.request('DELETE', '/api/v1/tokens/ci', { token: admin });
    assert.equal(json(revoked.text).state, 'revoked');
    assert.equal((await api.request('GET', '/api/v1/whoami', { token: body.token })).status, 401);
    assert.equal((await api.request('DELETE', '/api/v1/tokens/nobody', { token: admin })).status, 404);
    assert.ok(lines.every((line) => !line.includes(body.token.split('_')[2])), 'the secret is in no log line');
    // The audit log has both changes, by whom and from where, with the metadata and never the token.
    const audit = await api.request('GET', '/api/v1/events?subject=Token/ci', { token: admin });
    assert.equal(audit.status, 200, audit.text);
    const events = json(audit.text).items as { actor: string; to: string; source?: string; data: { after?: { role?: string; revoked?: boolean } } }[];
    assert.deepEqual(events.map((e) => [e.actor, e.to, e.data.after?.role, e.data.after?.revoked ?? false]), [['root', 'created', 'operator', false], ['root', 'revoked', 'operator', true]]);
    assert.ok(events.every((e) => e.source === '127.0.0.1'), JSON.stringify(events.map((e) => e.source)));
    assert.ok(!audit.text.includes(body.token.split('_')[2]) && !audit.text.includes(body.token.split('_')[1]), 'no secret or id in the audit log');
  });

  test('a bad body names the field; the token is never echoed', async () => {
    const answer = await api.request('POST', '/api/v1/tokens', { token: admin, body: '{"name":"x","role":"king"}' });
    assert.equal(answer.status, 400);
    assert.equal(json(answer.text).error.details.problems[0].path, '$.role');
    const bad = await api.request('GET', '/api/v1/services', { token: 'sluice_aaaaaaaaaaaa_not-a-real-secret-but-long-enough' });
    assert.equal(bad.status, 401);
    assert.ok(!bad.text.includes('not-a-real-secret'));
  });

  test('with auth on the actor is the token\'s name, whatever x-sluice-actor says', async () => {
    const ops = await api.token('ops-bot', 'operator');
    const answer = await api.request('POST', '/api/v1/rollouts/shop-v2/abort', { token: ops, body: '{"reason":"test"}', headers: { 'x-sluice-actor': 'mallory' } });
    assert.equal(answer.status, 200, answer.text);
    const events = await api.store.events.list({ actor: 'ops-bot' });
    assert.ok(events.length > 0, 'events recorded for ops-bot');
    assert.equal((await api.store.events.list({ actor: 'mallory' })).length, 0);
  });

  test('lists show only the granted services to a restricted token', async () => {
    const other = await api.token('other', 'viewer', { services: ['payments-*'] });
    const shopOnly = await api.token('shop-only', 'viewer', { services: ['shop'] });
    assert.deepEqual(json((await api.request('GET', '/api/v1/services', { token: other })).text).items, []);
    assert.deepEqual(json((await api.request('GET', '/api/v1/rollouts', { token: other })).text).items, []);
    assert.deepEqual(json((await api.request('GET', '/api/v1/events', { token: other })).text).items, []);
    assert.equal(json((await api.request('GET', '/api/v1/services', { token: shopOnly })).text).items[0].name, 'shop');
    assert.ok(json((await api.request('GET', '/api/v1/events', { token: shopOnly })).text).items.length > 0);
    const flagWrite = await api.request('POST', '/api/v1/flags/x/kill', { token: await api.token('shop-op', 'operator', { services: ['shop'] }), body: '{}' });
    assert.equal(flagWrite.status, 403);
    assert.match(json(flagWrite.text).error.message, /needs the grant "\*"/);
  });

  test('a route not in the permission table is for an admin granted every service (deny by default)', async () => {
    const viewer = await api.token('nosy', 'viewer');
    const refused = await api.request('GET', '/api/v1/not-a-route', { token: viewer });
    assert.equal(refused.status, 403);
    assert.match(json(refused.text).error.message, /not in the permission table/);
    assert.equal((await api.request('GET', '/api/v1/not-a-route', { token: admin })).status, 404);
    assert.equal((await api.request('GET', '/api/v1/not-a-route')).status, 401);
  });

  test('scopes limit a token to its resource families', async () => {
    const flagsOnly = await api.token('flags-only', 'admin', { scopes: ['flags'] });
    assert.equal((await api.request('GET', '/api/v1/flags', { token: flagsOnly })).status, 200);
    const rollouts = await api.request('GET', '/api/v1/rollouts', { token: flagsOnly });
    assert.equal(rollouts.status, 403);
    assert.match(json(rollouts.text).error.message, /needs the "rollouts" scope/);
  });
});

describe('the release center session', () => {
  test('sign in sets an HttpOnly SameSite=Strict cookie that authenticates; sign out clears it', async () => {
    const viewer = await api.token('alice', 'viewer', { services: ['shop'] });
    const signIn = await api.request('POST', '/api/v1/session', { body: JSON.stringify({ token: viewer }) });
    assert.equal(signIn.status, 200, signIn.text);
    assert.deepEqual(json(signIn.text), { auth: 'on', name: 'alice', role: 'viewer', services: ['shop'], scopes: [], expiresAt: null });
    const cookie = signIn.headers.get('set-cookie') ?? '';
    assert.ok(cookie.startsWith(`sluice_session=${viewer};`), cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Secure/);
    const secure = await api.request('POST', '/api/v1/session', { body: JSON.stringify({ token: viewer }), headers: { 'x-forwarded-proto': 'https' } });
    assert.match(secure.headers.get('set-cookie') ?? '', /Secure/);
    const me = await api.request('GET', '/api/v1/whoami', { cookie: `sluice_session=${viewer}` });
    assert.equal(json(me.text).name, 'alice');
    const out = await api.request('DELETE', '/api/v1/session', { cookie: `sluice_session=${viewer}` });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /^sluice_session=;.*Max-Age=0/);
    const wrong = await api.request('POST', '/api/v1/session', { body: '{"token":"sluice_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrong"}' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  test('a cookie-signed-in write from another origin is refused; the same origin or no Origin passes', async () => {
    const ops = await api.token('carol', 'operator');
    const cookie = `sluice_session=${ops}`;
    const host = new URL(api.url).host;
    const cross = await api.request('POST', '/api/v1/rollouts/shop-v2/pause', { cookie, body: '{}', headers: { origin: 'https://evil.example' } });
    assert.equal(cross.status, 403);
    assert.match(json(cross.text).error.message, /Origin does not match the Host/);
    const same = await api.request('POST', '/api/v1/rollouts/shop-v2/pause', { cookie, body: '{}', headers: { origin: `http://${host}` } });
    assert.notEqual(same.status, 403);
    assert.notEqual((await api.request('POST', '/api/v1/rollouts/shop-v2/resume', { cookie, body: '{}' })).status, 403);
    const bearer = await api.request('POST', '/api/v1/rollouts/shop-v2/resume', { token: ops, body: '{}', headers: { origin: 'https://elsewhere.example' } });
    assert.notEqual(bearer.status, 403, 'a bearer token is not a CSRF risk');
  });
});

describe('auth off', () => {
  test('no token needed, whoami says off, and the actor header is the actor', async () => {
    const open = await startAuthApi({ enabled: false });
    try {
      assert.deepEqual(json((await open.request('GET', '/api/v1/whoami')).text), { auth: 'off', name: 'anonymous', role: 'admin', services: ['*'], scopes: [], expiresAt: null });
      const abort = await open.request('POST', '/api/v1/rollouts/shop-v2/abort', { body: '{}', headers: { 'x-sluice-actor': 'dave' } });
      assert.equal(abort.status, 200, abort.text);
      assert.ok((await open.store.events.list({ actor: 'dave' })).length > 0);
    } finally {
      await open.close();
    }
  });
});

describe('rate limiting of failed tokens', () => {
  test('10 failures from an address in a minute: 429 with Retry-After, even for a good token, until the window ends', async () => {
    const limited = await startAuthApi();
    try {
      const good = await limited.token('good', 'viewer');
      for (let i = 0; i < 5; i++) assert.equal((await limited.request('GET', '/api/v1/services', { token: `sluice_aaaaaaaaaaaa_${'x'.repeat(40)}` })).status, 401);
      assert.equal((await limited.request('GET', '/api/v1/services', { token: good })).status, 200, 'a success in between');
      for (let i = 0; i < 4; i++) assert.equal((await limited.request('GET', '/api/v1/services', { token: 'nonsense' })).status, 401);
      assert.equal((await limited.request('POST', '/api/v1/session', { body: '{"token":"nonsense"}' })).status, 401);
      const refused = await limited.request('GET', '/api/v1/services', { token: good });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '60');
      assert.equal(json(refused.text).error.code, 'TOO_MANY_REQUESTS');
      assert.equal((await limited.request('POST', '/api/v1/session', { body: JSON.stringify({ token: good }) })).status, 429);
      assert.equal((await limited.request('GET', '/healthz')).status, 200, 'public routes stay open');
      limited.clock.advance(60_000);
      assert.equal((await limited.request('GET', '/api/v1/services', { token: good })).status, 200);
    } finally {
      await limited.close();
    }
  });
});
