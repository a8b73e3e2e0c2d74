import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { MAX_RUN_TIMEOUT_MS, parseRunTimeout } from './run-timeout.js';

describe('parseRunTimeout', () => {
  test('reads seconds, minutes, hours and compounds', () => {
    assert.equal(parseRunTimeout('90s'), 90_000);
    assert.equal(parseRunTimeout('30m'), 1_800_000);
    assert.equal(parseRunTimeout('2h'), 7_200_000);
    assert.equal(parseRunTimeout('1h30m'), 5_400_000);
    assert.equal(parseRunTimeout('24h'), MAX_RUN_TIMEOUT_MS);
  });

  test('refuses what is not a duration, saying what is expected', () => {
    for (const bad of ['30', 'soon', '-5m', '', '5 m', '1d']) {
      assert.throws(() => parseRunTimeout(bad), (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError, bad);
        assert.match(error.message, /is not a duration: expected a number with a unit, like 90s, 30m or 2h \(at most 24h\)/);
        return true;
      });
    }
  });

  test('refuses a timeout under 1s or over 24h', () => {
    assert.throws(() => parseRunTimeout('0s'), /0s is too short: expected at least 1s/);
    assert.throws(() => parseRunTimeout('500ms'), /500ms is too short/);
    assert.throws(() => parseRunTimeout('25h'), /25h is too long: expected at most 24h/);
    assert.throws(() => parseRunTimeout('24h1s'), /too long/);
  });
});
