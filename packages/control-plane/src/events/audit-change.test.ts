import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditChange, flatten, withChange } from './audit-change.js';

describe('auditChange', () => {
  test('small changes keep before and after whole; created has no before; secrets are masked', () => {
    assert.deepEqual(auditChange({ a: 1 }, { a: 2 }), { before: { a: 1 }, after: { a: 2 } });
    assert.deepEqual(auditChange(undefined, { a: 1 }), { after: { a: 1 } });
    const masked = auditChange(undefined, { url: 'postgres://app:hunter2@db/x', headers: { authorization: 'Bearer abc', accept: 'json' } });
    assert.equal(JSON.stringify(masked).includes('hunter2'), false);
    assert.equal(JSON.stringify(masked).includes('Bearer abc'), false);
    assert.deepEqual((masked.after as { headers: unknown }).headers, { authorization: '***', accept: 'json' });
  });

  test('a large change keeps only the changed fields by path (diff), within the limit', () => {
    const big = (image: string) => ({ versions: { v1: { image: 'a' }, v2: { image } }, notes: 'x'.repeat(20_000) });
    const change = auditChange(big('b'), big('c'));
    assert.deepEqual(change, { before: { 'versions.v2.image': 'b' }, after: { 'versions.v2.image': 'c' }, diff: true });
  });

  test('a change whose differences alone exceed the limit is cut and says so', () => {
    const wide = (v: string) => Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`key${i}`, v.repeat(50)]));
    const change = auditChange(wide('a'), wide('b'));
    assert.equal(change.truncated, true);
    assert.equal(change.diff, true);
    assert.ok(JSON.stringify(change).length <= 16 * 1024 + 100, `${JSON.stringify(change).length}`);
    assert.ok(Object.keys(change.before as object).length > 10);
  });

  test('flatten names leaves by path; withChange lets the event fields win', () => {
    assert.deepEqual(flatten({ a: { b: [1, { c: 2 }] }, e: {} }), { 'a.b[0]': 1, 'a.b[1].c': 2, e: {} });
    assert.deepEqual(withChange({ by: 'alice' }, { before: 1, after: 2 }), { before: 1, after: 2, by: 'alice' });
  });
});
