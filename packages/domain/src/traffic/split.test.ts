import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '../errors.js';
import type { TrafficSplit } from './route-table.js';
import { checkSplit, copySplit, equalSplits } from './split.js';

const SPLIT: TrafficSplit = {
  stable: 'v1',
  canary: 'v2',
  weight: 12.5,
  salt: 'shop-v2',
  rules: [
    { name: 'testers', conditions: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }], action: { kind: 'version', version: 'v2' } },
    {
      name: 'eu',
      conditions: [{ kind: 'anyOf', groups: [[{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }], [{ kind: 'method', methods: ['GET'] }]] }],
      action: { kind: 'split', canary: 'v2', weight: 5, salt: 'shop' },
    },
  ],
  mirror: { version: 'v2', percent: 10.25, maxBodyBytes: 1024 },
};

function rejects(split: unknown, field: RegExp): void {
  assert.throws(
    () => checkSplit('shop', split as TrafficSplit),
    (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.INVALID_REQUEST && /^split for "shop": /.test(e.message) && field.test(e.message),
  );
}

describe('splits with rules and mirror', () => {
  test('copySplit copies rules and mirror deeply, frozen, equal to the original', () => {
    const copy = copySplit(structuredClone(SPLIT) as TrafficSplit);
    assert.deepEqual(copy, SPLIT);
    assert.ok(equalSplits(copy, SPLIT));
    assert.ok(Object.isFrozen(copy.rules) && Object.isFrozen(copy.rules?.[0]?.conditions[0]) && Object.isFrozen(copy.mirror));
    const source = structuredClone(SPLIT) as unknown as { rules: { name: string }[] };
    const frozen = copySplit(source as unknown as TrafficSplit);
    source.rules[0]!.name = 'changed';
    assert.equal(frozen.rules?.[0]?.name, 'testers');
  });

  test('copySplit drops an empty rule list; equalSplits treats empty and absent rules alike', () => {
    const base: TrafficSplit = { stable: 'v1', weight: 0, salt: 's' };
    assert.deepEqual(copySplit({ ...base, rules: [] }), base);
    assert.ok(equalSplits({ ...base, rules: [] }, base));
  });

  test('equalSplits sees any difference in rules or mirror', () => {
    assert.ok(!equalSplits(SPLIT, { ...SPLIT, mirror: { version: 'v2', percent: 10.25, maxBodyBytes: 1025 } }));
    const { mirror: _m, ...noMirror } = SPLIT;
    assert.ok(!equalSplits(SPLIT, noMirror));
    const rules = SPLIT.rules ?? [];
    assert.ok(!equalSplits(SPLIT, { ...SPLIT, rules: [...rules].reverse() }), 'order matters');
    const renamed = { ...SPLIT, rules: rules.map((r, i) => (i === 1 ? { ...r, action: { kind: 'split' as const, canary: 'v2', weight: 6 } } : r)) };
    assert.ok(!equalSplits(SPLIT, renamed));
  });

  test('checkSplit accepts a valid split with rules and mirror', () => {
    checkSplit('shop', SPLIT);
  });

  test('checkSplit rejects bad rules and mirrors naming the field', () => {
    rejects({ ...SPLIT, rules: [{ name: 'r', conditions: [{ kind: 'header', name: 'x', match: { regex: '[' } }], action: { kind: 'version', version: 'v2' } }] }, /rules\[0\]\.conditions\[0\]\.match\.regex/);
    rejects({ ...SPLIT, mirror: { version: 'v2', percent: 100.5, maxBodyBytes: 0 } }, /mirror\.percent is 100\.5/);
    rejects({ ...SPLIT, mirror: { version: 'v2', percent: 1, maxBodyBytes: 1.5 } }, /mirror\.maxBodyBytes/);
    rejects({ ...SPLIT, mirror: { version: '', percent: 1, maxBodyBytes: 0 } }, /mirror\.version/);
    rejects({ ...SPLIT, mirror: null }, /mirror is null/);
    rejects({ ...SPLIT, rules: [{ name: 'r', conditions: [], action: { kind: 'split', canary: 'v2', weight: 1, salt: 7 } }] }, /rules\[0\]\.action\.salt is 7/);
  });
});
