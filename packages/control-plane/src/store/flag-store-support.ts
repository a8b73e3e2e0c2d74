import { ErrorCode, SluiceError, type FlagUsage } from '@sluice/domain';
import type { FlagStore } from './store.js';

/** Versions `flags.history` returns when no limit is given. */
export const DEFAULT_FLAG_HISTORY_LIMIT = 100;
/** Versions `flags.changesSince` returns when no limit is given. */
export const DEFAULT_FLAG_CHANGES_LIMIT = 1000;

/** Rejects a limit or afterSeq that is not a non-negative integer. */
export function checkFlagQuery(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SluiceError(
      ErrorCode.INVALID_REQUEST,
      `Invalid flag history query: ${field} must be a non-negative integer, got ${String(value)}`,
      { problems: [{ path: field, message: 'must be a non-negative integer', found: String(value), expected: 'an integer ≥ 0' }] },
    );
  }
}

/**
 * Checks a batch of usage counts and adds up the entries of one flag and environment, keeping the
 * newest lastEvaluatedAt: one row per key, as an upsert statement needs. Sorted by flag, environment.
 */
export function mergeFlagUsage(usage: readonly FlagUsage[]): FlagUsage[] {
  const merged = new Map<string, FlagUsage>();
  for (const entry of usage) {
    checkUsage(entry);
    const key = `${entry.flag}\u0000${entry.environment}`;
    const seen = merged.get(key);
    merged.set(key, {
      flag: entry.flag,
      environment: entry.environment,
      evaluations: (seen?.evaluations ?? 0) + entry.evaluations,
      lastEvaluatedAt: Math.max(seen?.lastEvaluatedAt ?? 0, entry.lastEvaluatedAt),
    });
  }
  return [...merged.values()].sort(compareUsage);
}

/** By flag, then environment, in code-point order (SQLite's BINARY, Postgres's "C"). */
export function compareUsage(a: FlagUsage, b: FlagUsage): number {
  return compareCodePoints(a.flag, b.flag) || compareCodePoints(a.environment, b.environment);
}

export function compareCodePoints(a: string, b: string): number {
  const left = [...a].map((c) => c.codePointAt(0) ?? 0);
  const right = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** Usage counts no store could add up (a caller bug, not user input). */
function checkUsage(entry: FlagUsage): void {
  const { flag, environment, evaluations, lastEvaluatedAt } = entry;
  const count = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (typeof flag !== 'string' || flag === '' || typeof environment !== 'string' || environment === '' || !count(evaluations) || !count(lastEvaluatedAt)) {
    throw new SluiceError(
      ErrorCode.INTERNAL,
      `Cannot record flag usage: expected a flag, an environment and non-negative integer evaluations and lastEvaluatedAt, got ${JSON.stringify(entry)}`,
      { details: { flag: String(flag), environment: String(environment) } },
    );
  }
}

/**
 * The FlagStore a Store exposes outside transactions: reads go through `read`, every write runs in
 * its own transaction through `write`.
 */
export function delegateFlags(
  read: <T>(operation: string, run: (flags: FlagStore) => Promise<T>) => Promise<T>,
  write: <T>(run: (flags: FlagStore) => Promise<T>) => Promise<T>,
): FlagStore {
  return {
    get: (name) => read('flags.get', (f) => f.get(name)),
    list: () => read('flags.list', (f) => f.list()),
    save: (flag, expected, change) => write((f) => f.save(flag, expected, change)),
    history: (name, limit) => read('flags.history', (f) => f.history(name, limit)),
    revision: (name, version) => read('flags.revision', (f) => f.revision(name, version)),
    changesSince: (afterSeq, limit) => read('flags.changesSince', (f) => f.changesSince(afterSeq, limit)),
    latestSeq: () => read('flags.latestSeq', (f) => f.latestSeq()),
    addUsage: (usage) => write((f) => f.addUsage(usage)),
    usage: () => read('flags.usage', (f) => f.usage()),
  };
}
