import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeErrorBurst } from './burst.js';
import { mulberry32 } from './seeded-random.js';

const baseline = { total: 3_000, errors: 15 }; // stable: 0.5 % over the last minute at 50 rps
const window = (seconds: number, errors: number) => ({ seconds, total: 50 * seconds, errors });

describe('judgeErrorBurst', () => {
  test('a canary at stable\'s rate never fails', () => {
    const v = judgeErrorBurst({ windows: [window(2, 1), window(4, 1), window(8, 2)], baseline });
    assert.equal(v.outcome, 'pass');
    assert.equal(v.rule, 'error-burst');
  });

  test('×10 errors after onset fail within a few seconds, on the shortest window that shows it', () => {
    const v = judgeErrorBurst({ windows: [window(2, 6), window(4, 12), window(8, 13)], baseline });
    assert.equal(v.outcome, 'fail');
    assert.match(v.reason, /last 4s/);
    assert.ok((v.pValue ?? 1) < 1e-6 / 3);
  });

  test('few errors are never a burst, whatever the ratio', () => {
    assert.equal(judgeErrorBurst({ windows: [{ seconds: 2, total: 4, errors: 4 }], baseline }).outcome, 'pass');
  });

  test('too little stable traffic is pending (min-sample), not a verdict', () => {
    const v = judgeErrorBurst({ windows: [window(2, 50)], baseline: { total: 10, errors: 0 } });
    assert.equal(v.outcome, 'inconclusive');
    assert.equal(v.rule, 'min-sample');
  });

  test('over 20,000 checks of a healthy canary it never fails (seeded)', () => {
    const random = mulberry32(7);
    const errors = (n: number) => Array.from({ length: n }).filter(() => random() < 0.005).length;
    let fails = 0;
    for (let i = 0; i < 20_000; i++) {
      const e2 = errors(100);
      const e4 = e2 + errors(100);
      const e8 = e4 + errors(200);
      if (judgeErrorBurst({ windows: [window(2, e2), window(4, e4), window(8, e8)], baseline }).outcome === 'fail') fails++;
    }
    assert.equal(fails, 0);
  });
});
