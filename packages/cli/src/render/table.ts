/** Visible width of plain text (code points; the CLI prints no wide characters in tables). */
export function textWidth(text: string): number {
  return [...text].length;
}

/** Cuts `text` to at most `width` visible characters, ending with "…" when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * Aligns rows into columns separated by two spaces, kubectl style. `headers` may be omitted for
 * aligned lines without a header row. The last column is never padded.
 */
export function renderTable(headers: readonly string[] | undefined, rows: readonly (readonly string[])[]): string[] {
  const all = headers ? [headers, ...rows] : [...rows];
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, textWidth(cell));
    });
  }
  return all.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - textWidth(cell))))
      .join('  ')
      .trimEnd(),
  );
}
