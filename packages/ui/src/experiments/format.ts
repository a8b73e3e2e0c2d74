import type { ExperimentRow } from '@sluice/domain';

/** Number formats of the experiment report, as `sluice experiment report` prints them (domain/experiments/format.ts). */

export const DASH = '—';

/** 0.1234 → "12.34%"; signed: "+12.34%". */
export function pct(x: number | null, digits = 2, signed = false): string {
  if (x === null || !Number.isFinite(x)) return DASH;
  const text = `${(x * 100).toFixed(digits)}%`;
  return signed && x >= 0 ? `+${text}` : text;
}

/** Four significant digits. */
export function num(x: number | null, signed = false): string {
  if (x === null || !Number.isFinite(x)) return DASH;
  const abs = Math.abs(x);
  const text = abs !== 0 && (abs < 1e-3 || abs >= 1e7) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
  return signed && x >= 0 ? `+${text}` : text;
}

/** A p-value: four decimals, or scientific below 0.0001. */
export function pValue(p: number | null): string {
  if (p === null || Number.isNaN(p)) return DASH;
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** 12345 → "12,345". */
export const count = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** A row's value: a rate for conversion metrics, a mean otherwise. */
export const value = (row: ExperimentRow): string => (row.kind === 'conversion' ? pct(row.value) : num(row.value));

/** A difference against the control: percentage points for rates, the metric's unit for means. */
export function diff(row: ExperimentRow, x: number | null): string {
  if (row.kind !== 'conversion') return num(x, true);
  return x === null || !Number.isFinite(x) ? DASH : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`;
}

export function interval(low: number | null, high: number | null, format: (x: number | null) => string): string {
  return low === null || high === null ? DASH : `[${format(low)}, ${format(high)}]`;
}
