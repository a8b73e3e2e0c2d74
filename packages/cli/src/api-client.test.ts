import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '@sluice/domain';
import { DEFAULT_URL, errorFromResponse, resolveActor, resolveBaseUrl } from './api-client.js';

describe('errorFromResponse', () => {
  test('errorFromResponse keeps the code, message, problems and id of an API error', () => {
    const body = JSON.stringify({
      error: {
        code: 'INVALID_SPEC', message: '1 problem in shop.yaml', id: 'e3b0c442',
        details: { problems: [{ file: 'shop.yaml', line: 9, col: 22, path: 'spec.x', message: 'bad', found: '150', junk: 1 }, 'not a problem'] },
      },
    });
    const error = errorFromResponse(400, body, 'http://x/api/v1/apply');
    assert.equal(error.code, ErrorCode.INVALID_SPEC);
    assert.equal(error.message, '1 problem in shop.yaml');
    assert.deepEqual(error.problems, [{ file: 'shop.yaml', line: 9, col: 22, path: 'spec.x', message: 'bad', found: '150' }]);
    assert.equal(error.details['id'], 'e3b0c442');
    assert.equal(error.details['status'], 400);
  });

  test('errorFromResponse maps an unknown code by its HTTP status', () => {
    const body = JSON.stringify({ error: { code: 'SOMETHING_NEW', message: 'gone' } });
    assert.equal(errorFromResponse(404, body, 'u').code, ErrorCode.NOT_FOUND);
    assert.equal(errorFromResponse(413, body, 'u').code, ErrorCode.PAYLOAD_TOO_LARGE);
    assert.equal(errorFromResponse(502, body, 'u').code, ErrorCode.INTERNAL);
  });

  test('errorFromResponse turns a body that is not an API error into INTERNAL with a snippet', () => {
    const error = errorFromResponse(502, '<html>Bad Gateway</html>', 'http://x/api/v1/rollouts');
    assert.equal(error.code, ErrorCode.INTERNAL);
    assert.equal(error.message, 'unexpected answer from http://x/api/v1/rollouts: HTTP 502 <html>Bad Gateway</html>');
  });
});

describe('resolveBaseUrl', () => {
  test('resolveBaseUrl defaults to the local control plane and trims a trailing slash', () => {
    assert.equal(resolveBaseUrl({}), DEFAULT_URL);
    assert.equal(resolveBaseUrl({ SLUICE_URL: 'http://10.0.0.5:7070/' }), 'http://10.0.0.5:7070');
  });

  test('resolveBaseUrl rejects what is not an http(s) URL', () => {
    assert.throws(() => resolveBaseUrl({ SLUICE_URL: 'ftp://x' }), /uses ftp: expected http or https/);
    assert.throws(() => resolveBaseUrl({ SLUICE_URL: 'nope' }), { code: ErrorCode.INVALID_REQUEST });
  });
});

test('resolveActor prefers SLUICE_ACTOR and otherwise names the OS user', () => {
  assert.equal(resolveActor({ SLUICE_ACTOR: 'release-bot' }), 'release-bot');
  assert.ok(resolveActor({}).length > 0);
});
