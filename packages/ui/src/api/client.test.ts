import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ApiError } from './api-error';
import { ApiClient } from './client';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Answers every request with `status`, `body` and `headers`, recording method and path. */
function answer(status: number, body: unknown, headers: Record<string, string> = {}): { method: string; url: string }[] {
  const seen: { method: string; url: string }[] = [];
  globalThis.fetch = (async (url: string, init?: RequestInit) => {
    seen.push({ method: init?.method ?? 'GET', url });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  }) as typeof fetch;
  return seen;
}

function client(): { api: ApiClient; unauthenticated: () => number } {
  let count = 0;
  const api = new ApiClient({ actor: () => 'web', onUnauthenticated: () => count++ });
  return { api, unauthenticated: () => count };
}

const UNAUTHENTICATED = { error: { code: 'UNAUTHENTICATED', message: 'This API needs a token' } };

test('any call answering 401 reports it (the app then shows the login) and still throws the error', async () => {
  answer(401, UNAUTHENTICATED);
  const { api, unauthenticated } = client();
  await assert.rejects(api.listServices(), (e: unknown) => e instanceof ApiError && e.code === 'UNAUTHENTICATED' && e.status === 401);
  await assert.rejects(api.checkSession(), (e: unknown) => e instanceof ApiError && e.status === 401);
  assert.equal(unauthenticated(), 2);
});

test('a 403 is an error in place, not a sign-out', async () => {
  answer(403, { error: { code: 'FORBIDDEN', message: 'needs the operator role' } });
  const { api, unauthenticated } = client();
  await assert.rejects(api.promote('shop-v2', false), (e: unknown) => e instanceof ApiError && e.code === 'FORBIDDEN');
  assert.equal(unauthenticated(), 0);
});

test('signIn: a wrong token is its own 401 (no redirect); the answer is the whoami', async () => {
  const seen = answer(401, UNAUTHENTICATED);
  const { api, unauthenticated } = client();
  await assert.rejects(api.signIn('sluice_wrong'), (e: unknown) => e instanceof ApiError && e.status === 401);
  assert.equal(unauthenticated(), 0);
  assert.deepEqual(seen, [{ method: 'POST', url: '/api/v1/session' }]);
  answer(200, { auth: 'on', name: 'ana', role: 'viewer', services: ['*'], scopes: [], expiresAt: null });
  assert.deepEqual(await api.signIn('sluice_right'), { auth: 'on', name: 'ana', role: 'viewer', services: ['*'], scopes: [], expiresAt: null });
});

test('429: the wait of Retry-After is in the error details', async () => {
  answer(429, { error: { code: 'TOO_MANY_REQUESTS', message: 'retry in 42 s' } }, { 'retry-after': '42' });
  const { api } = client();
  await assert.rejects(api.signIn('sluice_x'), (e: unknown) => e instanceof ApiError && e.details['retryAfterSeconds'] === 42);
});

test('checkSession: a control plane without logins (404) counts as auth off; a malformed answer is an error', async () => {
  answer(404, { error: { code: 'NOT_FOUND', message: 'no route' } });
  const { api } = client();
  assert.equal((await api.checkSession()).auth, 'off');
  answer(200, { auth: 'on', name: 'ana' });
  await assert.rejects(api.checkSession(), (e: unknown) => e instanceof ApiError && e.code === 'INTERNAL');
});

test('signOut: DELETE /session, an empty 204 is fine', async () => {
  const seen = answer(204, undefined);
  const { api } = client();
  await api.signOut();
  assert.deepEqual(seen, [{ method: 'DELETE', url: '/api/v1/session' }]);
});
