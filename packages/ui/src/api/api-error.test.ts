import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, errorFromBody, toApiError } from './api-error';

test('errorFromBody keeps the code, message, problems and id the API sent', () => {
  const body = JSON.stringify({ error: { code: 'INVALID_REQUEST', message: 'bad', id: 'ab12', details: { problems: [{ path: '$.rollout', message: 'too big', expected: '0..100' }, { nope: 1 }] } } });
  const error = errorFromBody(400, body, 'POST /x');
  assert.equal(error.code, 'INVALID_REQUEST');
  assert.equal(error.message, 'bad');
  assert.equal(error.status, 400);
  assert.equal(error.id, 'ab12');
  assert.deepEqual(error.problems, [{ path: '$.rollout', message: 'too big', expected: '0..100' }]);
});

test('an answer that is not an API error becomes INTERNAL and quotes the body', () => {
  const error = errorFromBody(502, '<html>Bad gateway</html>', 'GET /api/v1/flags');
  assert.equal(error.code, 'INTERNAL');
  assert.match(error.message, /GET \/api\/v1\/flags: HTTP 502 <html>Bad gateway<\/html>/);
});

test('network failures and timeouts are UNREACHABLE; ApiErrors pass through', () => {
  assert.equal(toApiError(new TypeError('fetch failed')).code, 'UNREACHABLE');
  assert.equal(toApiError(new DOMException('late', 'TimeoutError')).code, 'UNREACHABLE');
  const original = new ApiError('CONFLICT', 'x');
  assert.equal(toApiError(original), original);
  assert.equal(toApiError('odd').code, 'INTERNAL');
});
