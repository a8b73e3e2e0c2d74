import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentSpec } from './experiment-spec.js';
import { renderExperimentTable } from './render.js';
import { experimentReport } from './report.js';

const SPEC: ExperimentSpec = {
  name: 'checkout-button',
  variants: [
    { name: 'control', weight: 50, serves: { version: 'v1' } },
    { name: 'green', weight: 50, serves: { version: 'v2' } },
  ],
  control: 'control',
  primaryMetric: { name: 'purchase', kind: 'conversion', direction: 'increase', minimumDetectableEffect: 0.1 },
  guardrailMetrics: [{ name: 'latency-ms', kind: 'mean', direction: 'decrease', maxDegradation: 0.05 }],
};

const latency = (n: number, mean: number) => ({ n, sum: n * mean, sumSquares: n * mean * mean * 2 });

test('the table: result and reasons first, SRM line, samples per variant, one aligned line per variant and metric', () => {
  const report = experimentReport(SPEC, {
    exposures: { control: 20_000, green: 20_100 },
    metrics: {
      purchase: { control: { users: 20_000, conversions: 2_000 }, green: { users: 20_100, conversions: 2_400 } },
      'latency-ms': { control: latency(20_000, 200), green: latency(20_100, 201) },
    },
  });
  const text = renderExperimentTable(report);
  const lines = text.split('\n');
  assert.equal(lines[0], 'Experiment checkout-button: winner: green');
  assert.match(lines[1] ?? '', /^ {2}- winner: green beats control on purchase: green lift \+19\.4%, CI \+12\.\d% to \+26\.\d%, p = 5\.\de-10$/);
  assert.ok(lines.includes('Sample ratio: χ² = 0.2494, df = 1, p = 0.6175: ok.'), text);
  assert.ok(lines.some((l) => /^green\s+50%\s+20,100\s+20,050\s+20,100\s+14,751\s+0$/.test(l)), text);
  const header = lines.find((l) => l.startsWith('METRIC')) ?? '';
  const greenPurchase = lines.find((l) => l.startsWith('purchase') && l.includes('green')) ?? '';
  assert.match(greenPurchase, /11\.94%\s+\+1\.94 pp\s+\[\+1\.33 pp, \+2\.55 pp\]\s+\+19\.4%/);
  assert.equal(greenPurchase.indexOf('better'), header.indexOf('VERDICT'), 'columns align');
  assert.ok(!lines.some((l) => l.endsWith(' ')), 'no trailing spaces');
});

test('the table flags a sample ratio mismatch', () => {
  const report = experimentReport(SPEC, {
    exposures: { control: 10_000, green: 10_700 },
    metrics: { purchase: { control: { users: 10_000, conversions: 1_000 }, green: { users: 10_700, conversions: 1_290 } } },
  });
  const text = renderExperimentTable(report);
  assert.match(text, /^Experiment checkout-button: inconclusive\n {2}- srm: sample ratio mismatch: users per variant control 10,000 \(expected 10,350\), green 10,700/);
  assert.match(text, /Sample ratio: χ² = 23\.67, df = 1, p = 1\.1e-6: MISMATCH \(p < 0\.001\)\./);
});
