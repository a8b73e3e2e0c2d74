/**
 * Last-known-good flag state: saved after every update from the server, loaded at start so a
 * client can be ready (with yesterday's flags) while the server is unreachable.
 */
import type { FlagState } from '@sluice/domain';

export interface FlagCache {
  load(): Promise<FlagState | undefined> | FlagState | undefined;
  save(state: FlagState): void | Promise<void>;
}

/** Keeps the state in memory: survives client restarts within one process (and tests). */
export function memoryCache(initial?: FlagState): FlagCache & { readonly state: FlagState | undefined } {
  let saved = initial;
  return {
    get state() {
      return saved;
    },
    load: () => saved,
    save: (state) => {
      saved = state;
    },
  };
}

/** The part of the Web Storage API the cache needs (kept local: the SDK does not depend on DOM types). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** True for a value shaped like a FlagState (untrusted: it came from storage). */
export function isFlagState(value: unknown): value is FlagState {
  if (typeof value !== 'object' || value === null) return false;
  const { features, segments } = value as { features?: unknown; segments?: unknown };
  return Array.isArray(features) && (segments === undefined || segments === null || Array.isArray(segments));
}

/**
 * Keeps the state in the browser's localStorage under `key` (or in `storage`). Missing storage
 * (Node, private modes), quota errors and corrupt entries are ignored: the cache is best effort.
 */
export function localStorageCache(key = 'sluice:flags', storage?: StorageLike): FlagCache {
  const store = (): StorageLike | undefined => {
    try {
      return storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    } catch {
      return undefined; // a sandboxed iframe throws on access
    }
  };
  return {
    load: () => {
      try {
        const text = store()?.getItem(key);
        if (!text) return undefined;
        const parsed: unknown = JSON.parse(text);
        return isFlagState(parsed) ? { features: parsed.features, segments: parsed.segments ?? [] } : undefined;
      } catch {
        return undefined;
      }
    },
    save: (state) => {
      try {
        store()?.setItem(key, JSON.stringify({ features: state.features, segments: state.segments ?? [] }));
      } catch {
        // quota exceeded or storage disabled: keep running without a cache
      }
    },
  };
}
