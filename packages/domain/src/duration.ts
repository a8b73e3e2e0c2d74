const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Longest duration a spec may name: 30 days. */
export const MAX_DURATION_MS = 30 * 24 * 3_600_000;

/**
 * Parses "500ms", "30s", "5m", "1h" or a compound "1h30m" into milliseconds.
 * Returns undefined for anything else, so callers can report the position of the bad value.
 */
export function parseDuration(text: string): number | undefined {
  const parts = text.trim().match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g);
  if (!parts || parts.join('') !== text.trim()) return undefined;
  let total = 0;
  for (const part of parts) {
    const m = DURATION.exec(part);
    const unit = m?.[2];
    if (!m || unit === undefined) return undefined;
    total += Number(m[1]) * (UNIT_MS[unit] ?? 0);
  }
  return total <= MAX_DURATION_MS ? Math.round(total) : undefined;
}

/** Formats milliseconds the short way people write them: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
