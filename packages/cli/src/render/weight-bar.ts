const FULL = '█';
const EMPTY = '░';
export const BAR_WIDTH = 20;

/** A percentage the way people read it: 20 → "20%", 0.5 → "0.5%", 33.333 → "33.33%". */
export function formatPercent(weight: number): string {
  return `${Number(weight.toFixed(2))}%`;
}

/** `[████░░░░░░░░░░░░░░░░]` for 20 %: each cell is 5 %; any non-zero weight shows at least one cell. */
export function weightBar(weight: number, width = BAR_WIDTH): string {
  const clamped = Math.min(100, Math.max(0, weight));
  let filled = Math.round((clamped / 100) * width);
  if (clamped > 0 && filled === 0) filled = 1;
  if (clamped < 100 && filled === width) filled = width - 1;
  return `[${FULL.repeat(filled)}${EMPTY.repeat(width - filled)}]`;
}

/** "20% v2 / 80% v1": the canary first, then what stays on stable. */
export function splitLabel(canary: string, stable: string, weight: number): string {
  return `${formatPercent(weight)} ${canary} / ${formatPercent(100 - weight)} ${stable}`;
}

/** The bar and its label together. */
export function weightLine(canary: string, stable: string, weight: number): string {
  return `${weightBar(weight)} ${splitLabel(canary, stable, weight)}`;
}
