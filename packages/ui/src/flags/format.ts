const UNITS: readonly (readonly [limitSeconds: number, divisor: number, unit: Intl.RelativeTimeFormatUnit])[] = [
  [60, 1, 'second'],
  [3600, 60, 'minute'],
  [86_400, 3600, 'hour'],
  [86_400 * 30, 86_400, 'day'],
  [86_400 * 365, 86_400 * 30, 'month'],
  [Number.POSITIVE_INFINITY, 86_400 * 365, 'year'],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "3 minutes ago", "yesterday" (ms since the epoch, relative to `now`). */
export function ago(at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  const size = Math.abs(seconds);
  for (const [limit, divisor, unit] of UNITS) {
    if (size < limit) return relative.format(Math.round(seconds / divisor), unit);
  }
  return absolute.format(at);
}

/** The full local date and time, for titles and the history. */
export function when(at: number): string {
  return absolute.format(at);
}

/** "10 %", "0.5 %" — rollouts are percentages in 0.01 steps. */
export function percent(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(2).replace(/0+$/, '')} %`;
}

/** "1 rule, 2 overrides" or "" when there are none. */
export function targeting(rules: number, overrides: number): string {
  const parts: string[] = [];
  if (rules > 0) parts.push(`${rules} rule${rules === 1 ? '' : 's'}`);
  if (overrides > 0) parts.push(`${overrides} override${overrides === 1 ? '' : 's'}`);
  return parts.join(', ');
}
