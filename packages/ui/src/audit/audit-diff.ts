/**
 * The before/after an action recorded (`data.before`, `data.after`, see docs/api.md#releaseevent) as
 * a list of changed fields, for the audit log's "what changed" view. Works on whole values and on the
 * server's reduced form (`data.diff`: both sides already keyed by path).
 */

/** One changed field: its path, and the value on each side (absent: the side does not have it). */
export interface FieldChange {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: string;
  readonly after?: string;
}

/** What an event says it changed; undefined when it recorded no before/after. */
export interface RecordedChange {
  readonly fields: readonly FieldChange[];
  /** The server kept only part of a large change. */
  readonly truncated: boolean;
  /** Something was created (no before). */
  readonly created: boolean;
}

const MAX_DEPTH = 12;
const MAX_VALUE_TEXT = 300;

function flatten(value: unknown, prefix: string, out: Map<string, unknown>, depth: number): Map<string, unknown> {
  const container = value !== null && typeof value === 'object';
  if (!container || Object.keys(value).length === 0 || depth >= MAX_DEPTH) {
    out.set(prefix === '' ? '(value)' : prefix, value);
    return out;
  }
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out, depth + 1));
  else for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out, depth + 1);
  return out;
}

/** A value as one short line of text (JSON, strings unquoted). */
export function valueText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}…` : text;
}

/** The fields that differ between `before` and `after`, in the order they first appear. */
export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const b = before === undefined ? new Map<string, unknown>() : flatten(before, '', new Map(), 0);
  const a = after === undefined ? new Map<string, unknown>() : flatten(after, '', new Map(), 0);
  const out: FieldChange[] = [];
  for (const path of new Set([...b.keys(), ...a.keys()])) {
    const inBefore = b.has(path);
    const inAfter = a.has(path);
    if (inBefore && inAfter && JSON.stringify(b.get(path)) === JSON.stringify(a.get(path))) continue;
    const kind = inBefore && inAfter ? 'changed' : inAfter ? 'added' : 'removed';
    out.push({ path, kind, ...(inBefore ? { before: valueText(b.get(path)) } : {}), ...(inAfter ? { after: valueText(a.get(path)) } : {}) });
  }
  return out;
}

/** The change an event recorded, or undefined when its data has neither `before` nor `after`. */
export function recordedChange(data: Readonly<Record<string, unknown>> | undefined): RecordedChange | undefined {
  if (data === undefined || (!('before' in data) && !('after' in data))) return undefined;
  return { fields: changedFields(data['before'], data['after']), truncated: data['truncated'] === true, created: !('before' in data) };
}
