import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isSluiceError } from '@sluice/domain';
import { parseDuration, readNewToken } from './token-input.js';
import { newToken, parseToken, secretDigest, secretMatches } from './token-text.js';

describe('token text', () => {
  test('a new token is sluice_<id>_<secret>, parses back, and only its digest matches', () => {
    const a = newToken();
    const b = newToken();
    assert.match(a.text, /^sluice_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.text, b.text);
    assert.deepEqual(parseToken(a.text), { id: a.id, secret: a.secret });
    assert.match(secretDigest(a.secret), /^[0-9a-f]{64}$/);
    assert.ok(secretMatches(a.secret, secretDigest(a.secret)));
    assert.ok(!secretMatches(b.secret, secretDigest(a.secret)));
    assert.ok(!secretMatches(a.secret, undefined));
  });

  test('anything else is not a token', () => {
    for (const text of ['', 'sluice_', 'sluice_abc_def', `sluice_ABCDEFGHIJKL_${'x'.repeat(40)}`, `Sluice_abcdefghijkl_${'x'.repeat(40)}`, `sluice_abcdefghijkl_${'x'.repeat(31)}`, `sluice_abcdefghijkl_${'x'.repeat(200)}`, `sluice_abcdefghijkl_${'x'.repeat(40)} `]) {
      assert.equal(parseToken(text), undefined, text);
    }
  });
});

describe('POST /tokens bodies', () => {
  const problem = (text: string) => {
    try {
      readNewToken(text);
    } catch (error) {
      assert.ok(isSluiceError(error) && error.code === ErrorCode.INVALID_REQUEST);
      return error.problems[0]?.path;
    }
    return undefined;
  };

  test('defaults: every service, every scope, no expiry; durations in m, h and d', () => {
    assert.deepEqual(readNewToken('{"name":"ci","role":"operator"}'), { name: 'ci', role: 'operator', services: ['*'], scopes: [], expiresInMs: undefined });
    assert.deepEqual(readNewToken('{"name":"ci","role":"viewer","services":["shop","payments-*"],"scopes":["rollouts"],"expiresIn":"30d"}').expiresInMs, 30 * 86_400_000);
    assert.equal(parseDuration('90m'), 5_400_000);
    assert.equal(parseDuration('12h'), 43_200_000);
    assert.equal(parseDuration('0d'), undefined);
    assert.equal(parseDuration('3651d'), undefined);
    assert.equal(parseDuration('1w'), undefined);
  });

  test('each bad field is named by its JSON path', () => {
    assert.equal(problem('[]'), '$');
    assert.equal(problem('{"role":"admin"}'), '$.name');
    assert.equal(problem('{"name":"Bad Name","role":"admin"}'), '$.name');
    assert.equal(problem('{"name":"ci","role":"root"}'), '$.role');
    assert.equal(problem('{"name":"ci","role":"admin","services":"shop"}'), '$.services');
    assert.equal(problem('{"name":"ci","role":"admin","services":[]}'), '$.services');
    assert.equal(problem('{"name":"ci","role":"admin","services":["ok","NOPE"]}'), '$.services[1]');
    assert.equal(problem(JSON.stringify({ name: 'ci', role: 'admin', services: Array.from({ length: 51 }, (_, i) => `s${i}`) })), '$.services');
    assert.equal(problem('{"name":"ci","role":"admin","scopes":["everything"]}'), '$.scopes[0]');
    assert.equal(problem('{"name":"ci","role":"admin","expiresIn":30}'), '$.expiresIn');
    assert.equal(problem('{"name":"ci","role":"admin","token":"x"}'), '$.token');
  });
});
