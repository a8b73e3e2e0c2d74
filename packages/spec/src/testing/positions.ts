import assert from 'node:assert/strict';

/**
 * The 1-based line and column where `needle` starts in `text` (its `nth` occurrence, from 0), so a
 * test can say "the problem is at this value" without counting columns by hand. Fails if absent.
 */
export function positionOf(text: string, needle: string, nth = 0): { line: number; col: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    assert.ok(index >= 0, `"${needle}" (occurrence ${nth}) is not in the text`);
  }
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, col: index - before.lastIndexOf('\n') };
}
