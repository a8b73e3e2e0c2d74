/**
 * The report as a plain-text table, for `sluice experiment report NAME` and logs: the result and its
 * reasons first (what a person acts on), then the sample-ratio check, the samples per variant, and one
 * line per variant and metric.
 */
import { formatCount, formatInterval, formatNumber, formatP, formatPercent } from './format.js';
import type { ExperimentReport, ExperimentRow } from './report-types.js';

/** Left-aligned columns padded to the widest cell, two spaces apart, no trailing spaces. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Conversion differences in percentage points, mean differences as numbers. */
function formatDiff(row: ExperimentRow): (x: number | null) => string {
  return row.kind === 'conversion'
    ? (x) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`)
    : (x) => formatNumber(x, true);
}

function metricLine(row: ExperimentRow): string[] {
  const diff = formatDiff(row);
  const lift = (x: number | null): string => formatPercent(x, 1, true);
  const value = row.kind === 'conversion' ? formatPercent(row.value) : formatNumber(row.value);
  return [
    row.metric, row.role, row.variant, formatCount(row.n), value,
    diff(row.diff), formatInterval(row.ciLow, row.ciHigh, diff),
    lift(row.relativeLift), formatInterval(row.relativeCiLow, row.relativeCiHigh, lift),
    formatP(row.pValue), formatP(row.adjustedPValue), row.isControl ? '' : row.significant ? 'yes' : 'no', row.verdict ?? 'control',
  ];
}

export function renderExperimentTable(report: ExperimentReport): string {
  const result = report.result === 'winner' ? `winner: ${report.winner ?? '?'}` : report.result;
  const correction = report.correction === 'holm' ? `, Holm correction over ${report.variants.length - 1} treatments` : '';
  const { srm } = report;
  const lines = [
    `Experiment ${report.experiment}: ${result}`,
    ...report.reasons.map((r) => `  - ${r.code}: ${r.message}`),
    '',
    `Control variant: ${report.control}. Primary metric: ${report.primaryMetric}${correction}.`,
    `Sample ratio: χ² = ${formatNumber(srm.chi2)}, df = ${srm.df}, p = ${formatP(srm.p)}: ${srm.flagged ? `MISMATCH (p < ${srm.threshold})` : 'ok'}.`,
    '',
    ...table(['VARIANT', 'WEIGHT', 'USERS', 'EXPECTED', 'SAMPLES', 'REQUIRED', 'MORE NEEDED'], report.variants.map((v) => [
      v.name, `${formatNumber(v.weight)}%`, formatCount(v.exposures), formatCount(v.expectedExposures),
      formatCount(v.samples), v.requiredSamples === null ? '—' : formatCount(v.requiredSamples),
      v.moreSamplesNeeded === null ? '—' : formatCount(v.moreSamplesNeeded),
    ])),
    '',
    ...table(['METRIC', 'ROLE', 'VARIANT', 'N', 'VALUE', 'DIFF', 'CI (DIFF)', 'LIFT', 'CI (LIFT)', 'P', 'P (ADJ)', 'SIG', 'VERDICT'], report.rows.map(metricLine)),
    '',
    'Intervals are two-sided at 1 − alpha of each metric (95 % by default); P (ADJ) is Holm-adjusted on the primary metric.',
  ];
  return `${lines.join('\n')}\n`;
}
