import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../api/api-error';
import { loginFailure, retryAfterOf, tokenProblem, waitText } from './login-model';

test('loginFailure: a wrong token says so, without echoing it', () => {
  const failure = loginFailure(new ApiError('UNAUTHENTICATED', 'The token is not valid', { status: 401 }));
  assert.match(failure.message, /not accepted: it is wrong, expired or revoked/);
  assert.equal(failure.waitSeconds, undefined);
});

test('loginFailure: 429 gives the wait from Retry-After', () => {
  const failure = loginFailure(new ApiError('TOO_MANY_REQUESTS', 'slow down', { status: 429, details: { retryAfterSeconds: 90 } }));
  assert.equal(failure.message, 'Too many failed sign-ins from here. Try again in 1 minute 30 seconds.');
  assert.equal(failure.waitSeconds, 90);
  const noWait = loginFailure(new ApiError('TOO_MANY_REQUESTS', 'slow down', { status: 429 }));
  assert.match(noWait.message, /Wait a little/);
  assert.equal(noWait.waitSeconds, undefined);
});

test('loginFailure: anything else shows the code and message', () => {
  assert.equal(loginFailure(new ApiError('UNREACHABLE', 'Cannot reach the control plane')).message, 'Could not sign in: UNREACHABLE Cannot reach the control plane');
});

test('retryAfterOf: only a finite, non-negative number, rounded up', () => {
  assert.equal(retryAfterOf(new ApiError('X', 'x', { details: { retryAfterSeconds: 2.1 } })), 3);
  assert.equal(retryAfterOf(new ApiError('X', 'x', { details: { retryAfter: 5 } })), 5);
  assert.equal(retryAfterOf(new ApiError('X', 'x', { details: { retryAfterSeconds: -1 } })), undefined);
  assert.equal(retryAfterOf(new ApiError('X', 'x', { details: { retryAfterSeconds: '5' } })), undefined);
});

test('waitText and tokenProblem', () => {
  assert.equal(waitText(1), '1 second');
  assert.equal(waitText(45), '45 seconds');
  assert.equal(waitText(60), '1 minute');
  assert.equal(waitText(200), '3 minutes 20 seconds');
  assert.match(tokenProblem('  ') ?? '', /Enter your API token/);
  assert.equal(tokenProblem('sluice_abc'), undefined);
});
