import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changedFields, recordedChange, valueText } from './audit-diff';

describe('audit diff', () => {
  test('lists only changed fields by path, with what was added and removed', () => {
    const before = { phase: 'Progressing', step: 2, weight: 10, hold: 'manual' };
    const after = { phase: 'Paused', step: 2, weight: 10, approvedBy: 'bob' };
    assert.deepEqual(changedFields(before, after), [
      { path: 'phase', kind: 'changed', before: 'Progressing', after: 'Paused' },
      { path: 'hold', kind: 'removed', before: 'manual' },
      { path: 'approvedBy', kind: 'added', after: 'bob' },
    ]);
  });

  test('nested specs and arrays are compared leaf by leaf; the server\'s reduced form works the same', () => {
    const spec = (up: string) => ({ versions: { v2: { upstreams: [up] } }, stable: 'v1' });
    const expected = [{ path: 'versions.v2.upstreams[0]', kind: 'changed', before: 'http://a', after: 'http://b' }];
    assert.deepEqual(changedFields(spec('http://a'), spec('http://b')), expected);
    assert.deepEqual(changedFields({ 'versions.v2.upstreams[0]': 'http://a' }, { 'versions.v2.upstreams[0]': 'http://b' }), expected);
  });

  test('recordedChange: none without before/after; created and truncated are reported', () => {
    assert.equal(recordedChange(undefined), undefined);
    assert.equal(recordedChange({ by: 'alice' }), undefined);
    const created = recordedChange({ after: { enabled: true } });
    assert.deepEqual(created, { fields: [{ path: 'enabled', kind: 'added', after: 'true' }], truncated: false, created: true });
    assert.equal(recordedChange({ before: { a: 1 }, after: { a: 2 }, diff: true, truncated: true })?.truncated, true);
  });

  test('values are one short line', () => {
    assert.equal(valueText({ a: [1, 2] }), '{"a":[1,2]}');
    assert.equal(valueText('x'.repeat(400)).length, 301);
  });
});
