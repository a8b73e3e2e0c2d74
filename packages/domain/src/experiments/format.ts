/** Number formats shared by the reasons and the text table. */

const DASH = '—';

/** 0.1234 → "12.34%"; with sign, "+12.34%". */
export function formatPercent(x: number | null, digits = 2, signed = false): string {
  if (x === null || !Number.isFinite(x)) return DASH;
  const text = `${(x * 100).toFixed(digits)}%`;
  return signed && x >= 0 ? `+${text}` : text;
}

/** Four significant digits, plain notation where it stays short. */
export function formatNumber(x: number | null, signed = false): string {
  if (x === null || !Number.isFinite(x)) return DASH;
  const abs = Math.abs(x);
  const text = abs !== 0 && (abs < 1e-3 || abs >= 1e7) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
  return signed && x >= 0 ? `+${text}` : text;
}

/** A p-value: four decimals, or scientific below 0.0001. */
export function formatP(p: number | null): string {
  if (p === null || Number.isNaN(p)) return DASH;
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** "[low, high]" with a formatter. */
export function formatInterval(low: number | null, high: number | null, format: (x: number | null) => string): string {
  return low === null || high === null ? DASH : `[${format(low)}, ${format(high)}]`;
}

/** 12345 → "12,345" (whole numbers). */
export const formatCount = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** NaN and ±Infinity become null, so the report is plain JSON. */
export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
