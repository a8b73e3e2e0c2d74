process.env['TZ'] = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionTable, formatNumber, formatSpan, sideText, windowText } from './decision-table.js';
import { rolloutEvent, T0 } from '../testing/fixtures.js';

test('numbers keep three significant digits; integers stay whole', () => {
  assert.deepEqual([0.0123456, 2.34567, 1234.56, 42, 1.5e-7, -0.5, Number.NaN].map(formatNumber), ['0.0123', '2.35', '1235', '42', '1.5e-7', '-0.5', 'NaN']);
});

test('a fixed window shows its length; a sequential judge shows where its window starts', () => {
  assert.deepEqual([850, 1000, 60_000, 90_000, 300_000, 1_500].map(formatSpan), ['850ms', '1s', '60s', '90s', '5m', '1.5s']);
  const window = { fromMs: T0 + 3_000, toMs: T0 + 63_000 };
  assert.equal(windowText({ judge: 'threshold', window }), '60s');
  assert.equal(windowText({ judge: 'mannWhitney', window }), '60s');
  assert.equal(windowText({ judge: 'errorRate', window }), 'since 00:00:03');
  assert.equal(windowText({ judge: 'latency', window }), 'since 00:00:03');
});

test('a side is value/n/errors, with "-" for an unknown value and errors left out when not counted', () => {
  assert.equal(sideText({ n: 1500, errors: 18, value: 0.012 }), '0.012/1500/18');
  assert.equal(sideText({ n: 900, value: 212 }), '212/900');
  assert.equal(sideText({ n: 0 }), '-/0');
  assert.equal(sideText(undefined), '-');
});

test('a measurement with malformed data still renders, from what it has', () => {
  const [header, row] = decisionTable([rolloutEvent({ type: 'AnalysisMeasured', reason: 'odd', data: { step: 'two' } })]);
  assert.match(header ?? '', /^TIME +STEP +SOURCE/);
  assert.match(row ?? '', /^00:00:00 +- +- +- +- .* odd$/);
});
