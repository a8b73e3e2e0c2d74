/** Bytes per unit: decimal (KB = 1000) and binary (KiB = 1024); "B" and no unit are bytes. */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** A size as text: a whole or decimal number, then an optional unit, no space: "512", "16KiB", "1.5MB". */
export const BYTE_SIZE_PATTERN = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|KiB|MiB|GiB)?$/;

/** Largest size a spec may name: 1 TiB (far below Number.MAX_SAFE_INTEGER). */
export const MAX_BYTE_SIZE = 1024 ** 4;

/**
 * Reads a size in bytes: a whole number (`1024`, or the same as text), or text with a unit
 * (`16KiB`, `10MiB`, `1GB`); decimals with a unit round to the nearest byte (`1.5KiB` = 1536).
 * Returns undefined for anything else (negative, fractional bytes, unknown unit, above MAX_BYTE_SIZE),
 * so callers can report the position of the bad value.
 */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 && value <= MAX_BYTE_SIZE ? value : undefined;
  const match = BYTE_SIZE_PATTERN.exec(value);
  const amount = match?.[1];
  if (match === null || amount === undefined) return undefined;
  const unit = match[2];
  if (unit === undefined && amount.includes('.')) return undefined;
  const bytes = Math.round(Number(amount) * (UNIT_BYTES[unit ?? 'B'] ?? 1));
  return bytes <= MAX_BYTE_SIZE ? bytes : undefined;
}

/** The shortest exact binary form: 16384 → "16KiB", 1048576 → "1MiB", 1500 → "1500 bytes". */
export function formatByteSize(bytes: number): string {
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const size = UNIT_BYTES[unit] ?? 1;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}
