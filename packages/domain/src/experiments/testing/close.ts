import assert from 'node:assert/strict';

/** |actual − expected| ≤ relative·|expected| + absolute, with a message naming the quantity. */
export function assertClose(actual: number | null | undefined, expected: number, relative: number, what: string, absolute = 1e-12): void {
  assert.ok(typeof actual === 'number', `${what}: missing (${String(actual)})`);
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected) + absolute, `${what}: ${actual} vs expected ${expected}`);
}
