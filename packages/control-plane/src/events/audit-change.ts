import { redactSecrets } from '../platform/redact.js';

/** The most JSON text `before` and `after` of one event may take together. */
export const MAX_AUDIT_BYTES = 16 * 1024;
/** Deeper values are kept whole at this depth when a change is reduced to its changed fields. */
const MAX_DEPTH = 12;

/**
 * What an event's `data` gets for a person's action: `before` (absent when the thing was created) and
 * `after` (absent when it was removed), secrets masked. When both together are larger than 16 KB they
 * are reduced to the fields that changed, keyed by path (`diff: true`), and cut at 16 KB
 * (`truncated: true`).
 */
export interface AuditChange {
  readonly before?: unknown;
  readonly after?: unknown;
  readonly diff?: true;
  readonly truncated?: true;
}

const size = (value: unknown) => JSON.stringify(value ?? null).length;

/** The leaves of a JSON value by path (`spec.versions.v2.image`, `steps[0].weight`). */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}, depth = 0): Record<string, unknown> {
  const isContainer = value !== null && typeof value === 'object';
  const empty = isContainer && Object.keys(value).length === 0;
  if (!isContainer || empty || depth >= MAX_DEPTH) {
    out[prefix === '' ? '$' : prefix] = value;
    return out;
  }
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out, depth + 1));
  else for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out, depth + 1);
  return out;
}

/** Only the paths whose values differ, each side with what it has there. */
function changedFields(before: unknown, after: unknown): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b = before === undefined ? {} : flatten(before);
  const a = after === undefined ? {} : flatten(after);
  const out = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const path of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[path]) === JSON.stringify(a[path])) continue;
    if (path in b) out.before[path] = b[path];
    if (path in a) out.after[path] = a[path];
  }
  return out;
}

/** Keeps fields, in order, while the total stays under the limit. */
function cut(fields: Record<string, unknown>, budget: number): { kept: Record<string, unknown>; used: number; cut: boolean } {
  const kept: Record<string, unknown> = {};
  let used = 2;
  for (const [path, value] of Object.entries(fields)) {
    const cost = path.length + size(value) + 4;
    if (used + cost > budget) return { kept, used, cut: true };
    kept[path] = value;
    used += cost;
  }
  return { kept, used, cut: false };
}

/** The before/after of a change for an event's `data` (see AuditChange). */
export function auditChange(before: unknown, after: unknown, maxBytes = MAX_AUDIT_BYTES): AuditChange {
  const b = before === undefined ? undefined : redactSecrets(before);
  const a = after === undefined ? undefined : redactSecrets(after);
  const whole = { ...(b === undefined ? {} : { before: b }), ...(a === undefined ? {} : { after: a }) };
  if (size(whole) <= maxBytes) return whole;
  const changed = changedFields(b, a);
  const first = cut(changed.before, maxBytes / 2);
  const second = cut(changed.after, maxBytes - first.used);
  return {
    ...(b === undefined ? {} : { before: first.kept }),
    ...(a === undefined ? {} : { after: second.kept }),
    diff: true,
    ...(first.cut || second.cut ? { truncated: true as const } : {}),
  };
}

/** `data` of an event with the change merged in (the event's own fields win). */
export function withChange(data: Readonly<Record<string, unknown>> | undefined, change: AuditChange): Record<string, unknown> {
  return { ...change, ...(data ?? {}) };
}
