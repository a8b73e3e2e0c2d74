import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatByteSize, MAX_BYTE_SIZE, parseByteSize } from './byte-size.js';

test('parseByteSize reads whole numbers as bytes and the binary and decimal units', () => {
  assert.equal(parseByteSize(0), 0);
  assert.equal(parseByteSize(1024), 1024);
  assert.equal(parseByteSize('2048'), 2048);
  assert.equal(parseByteSize('512B'), 512);
  assert.equal(parseByteSize('16KiB'), 16_384);
  assert.equal(parseByteSize('10MiB'), 10_485_760);
  assert.equal(parseByteSize('1GiB'), 1_073_741_824);
  assert.equal(parseByteSize('16KB'), 16_000);
  assert.equal(parseByteSize('10MB'), 10_000_000);
  assert.equal(parseByteSize('2GB'), 2_000_000_000);
  assert.equal(parseByteSize('1.5KiB'), 1536);
  assert.equal(parseByteSize('1024GiB'), MAX_BYTE_SIZE);
});

test('parseByteSize rejects negatives, fractions of a byte, spaces, unknown units and sizes over 1 TiB', () => {
  for (const bad of [-1, 1.5, Number.NaN, Infinity, MAX_BYTE_SIZE + 1]) assert.equal(parseByteSize(bad), undefined, String(bad));
  for (const bad of ['', '-1', '1.5', '16 KiB', '16kib', '16K', '16KIB', 'KiB', '1TiB', '1025GiB', '0x10', '1e3']) {
    assert.equal(parseByteSize(bad), undefined, bad);
  }
});

test('formatByteSize writes the shortest exact binary form', () => {
  assert.equal(formatByteSize(1024), '1KiB');
  assert.equal(formatByteSize(16_384), '16KiB');
  assert.equal(formatByteSize(1024 ** 2), '1MiB');
  assert.equal(formatByteSize(10 * 1024 ** 3), '10GiB');
  assert.equal(formatByteSize(1536), '1536 bytes');
  assert.equal(formatByteSize(1), '1 byte');
  assert.equal(formatByteSize(0), '0 bytes');
});
