import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './line-splitter.js';

function split(chunks: readonly string[], max = 10): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  test('joins lines across chunks and strips CR', () => {
    assert.deepEqual(split(['ab', 'c\nde\r\n', 'f']), ['abc', 'de', 'f']);
  });

  test('keeps empty lines', () => {
    assert.deepEqual(split(['a\n\nb\n']), ['a', '', 'b']);
  });

  test('truncates a long line and skips its rest, even across chunks', () => {
    assert.deepEqual(split(['0123456789ABC', 'DEF\nok\n']), ['0123456789…', 'ok']);
    assert.deepEqual(split(['0123456789ABCDEF\nok']), ['0123456789…', 'ok']);
  });

  test('a line of exactly the maximum is kept whole', () => {
    assert.deepEqual(split(['0123456789\n']), ['0123456789']);
  });
});
