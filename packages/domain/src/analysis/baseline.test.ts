import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SluiceError } from '../errors.js';
import { judgeBaseline, type BaselineOptions } from './baseline.js';

// Plain JSON (tsconfig has no resolveJsonModule): NaN and ±Infinity are the strings "NaN", "Infinity",
// "-Infinity"; null is a missing value.
type Encoded = number | string | null;
interface Case {
  readonly name: string;
  readonly input: { readonly canary: Encoded; readonly baseline: Encoded };
  readonly options?: BaselineOptions;
  readonly expect: {
    readonly outcome: string;
    readonly rule?: string;
    readonly reason?: string;
    readonly reasonIncludes?: string;
    readonly statistic?: Encoded;
    readonly threshold?: Encoded;
  };
}

const decode = (v: Encoded): number | undefined => (v === null ? undefined : typeof v === 'string' ? Number(v) : v);
const cases = JSON.parse(readFileSync(new URL('./cases/baseline.json', import.meta.url), 'utf8')) as Case[];

function close(actual: number | undefined, expected: number | undefined, what: string): void {
  assert.ok(actual !== undefined && expected !== undefined, `${what}: ${actual} vs ${expected}`);
  if (!Number.isFinite(expected)) assert.equal(actual, expected, what);
  else assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test('baseline case file', () => assert.ok(cases.length >= 25, `only ${cases.length} cases`));

for (const c of cases) {
  test(`judgeBaseline: ${c.name}`, () => {
    const verdict = judgeBaseline({ canary: decode(c.input.canary), baseline: decode(c.input.baseline) }, c.options);
    assert.equal(verdict.outcome, c.expect.outcome);
    assert.equal(verdict.rule, c.expect.rule ?? 'baseline');
    if (c.expect.reason !== undefined) assert.equal(verdict.reason, c.expect.reason);
    if (c.expect.reasonIncludes !== undefined) assert.ok(verdict.reason.includes(c.expect.reasonIncludes), verdict.reason);
    if (c.expect.statistic !== undefined) close(verdict.statistic, decode(c.expect.statistic), 'statistic');
    if (c.expect.threshold !== undefined) close(verdict.threshold, decode(c.expect.threshold), 'threshold');
  });
}

test('an inconclusive verdict carries no statistic or limit', () => {
  const verdict = judgeBaseline({ canary: NaN, baseline: 1 }, { absoluteTolerance: 1 });
  assert.equal(verdict.statistic, undefined);
  assert.equal(verdict.threshold, undefined);
});

test('both tolerances: the verdict flips exactly where the larger of the two limits is crossed', () => {
  const options = { absoluteTolerance: 20, relativeTolerance: 0.05 };
  assert.equal(judgeBaseline({ canary: 1050, baseline: 1000 }, options).outcome, 'pass');
  assert.equal(judgeBaseline({ canary: 1050.001, baseline: 1000 }, options).outcome, 'fail');
  assert.equal(judgeBaseline({ canary: 120, baseline: 100 }, options).outcome, 'pass');
  assert.equal(judgeBaseline({ canary: 120.001, baseline: 100 }, options).outcome, 'fail');
});

test('invalid options are spec errors', () => {
  const bad: readonly [BaselineOptions, RegExp][] = [
    [{ absoluteTolerance: -1 }, /absoluteTolerance must be a finite number ≥ 0, got -1/],
    [{ relativeTolerance: NaN }, /relativeTolerance must be a finite number ≥ 0, got NaN/],
    [{ relativeTolerance: Infinity }, /relativeTolerance must be a finite number ≥ 0, got Infinity/],
    [{ direction: 'up' as never }, /direction must be increase, decrease or either, got "up"/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => judgeBaseline({ canary: 1, baseline: 1 }, options), (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_SPEC' && message.test(e.message));
  }
});
