import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '@sluice/domain';
import { AuthFailureLimiter } from './rate-limiter.js';

describe('AuthFailureLimiter', () => {
  test('refuses an address after maxFailures in a window until the window ends; others are unaffected', () => {
    const clock = new ManualClock(0);
    const limiter = new AuthFailureLimiter(clock, { maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 2; i++) limiter.recordFailure('10.0.0.1');
    assert.equal(limiter.retryAfter('10.0.0.1'), 0);
    limiter.recordFailure('10.0.0.1');
    assert.equal(limiter.retryAfter('10.0.0.1'), 60);
    assert.equal(limiter.retryAfter('10.0.0.2'), 0);
    clock.advance(59_500);
    assert.equal(limiter.retryAfter('10.0.0.1'), 1);
    clock.advance(500);
    assert.equal(limiter.retryAfter('10.0.0.1'), 0);
    limiter.recordFailure('10.0.0.1');
    assert.equal(limiter.retryAfter('10.0.0.1'), 0, 'a new window starts from one failure');
  });

  test('tracks at most maxAddresses: ended windows go first, then the oldest', () => {
    const clock = new ManualClock(0);
    const limiter = new AuthFailureLimiter(clock, { maxFailures: 1, windowMs: 1000, maxAddresses: 3 });
    limiter.recordFailure('a');
    clock.advance(1000);
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    limiter.recordFailure('d');
    assert.equal(limiter.tracked, 3);
    assert.ok(limiter.retryAfter('b') > 0 && limiter.retryAfter('c') > 0 && limiter.retryAfter('d') > 0);
    limiter.recordFailure('e');
    assert.equal(limiter.tracked, 3);
    assert.equal(limiter.retryAfter('b'), 0, 'the oldest was dropped');
    assert.ok(limiter.retryAfter('e') > 0);
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`x${i}`);
    assert.equal(limiter.tracked, 3);
  });
});
