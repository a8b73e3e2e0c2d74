import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

test('parseDuration reads simple and compound durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
});

test('parseDuration rejects words, negatives, bare numbers and durations over 30 days', () => {
  for (const bad of ['30 seconds', '-5s', '30', '', 's', '31d', '800h']) assert.equal(parseDuration(bad), undefined, bad);
});

test('formatDuration writes the short form', () => {
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(30_000), '30s');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(250), '250ms');
});
