import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../api/api-error';
import type { ReleaseEvent } from './rollout-api';

export interface EventLog {
  /** Every event loaded so far, oldest first; undefined until the first answer. */
  readonly items: readonly ReleaseEvent[] | undefined;
  readonly error: ApiError | undefined;
  /** Fetches what came after the newest event held. Calls during a fetch coalesce into one more. */
  pull(): void;
}

/**
 * A log that only grows: loaded once, then extended with `load(after = last seq)`, so a page holding
 * thousands of events never refetches (or re-renders from scratch) what it already has.
 */
export function useEventLog(key: string, load: (after: number | undefined) => Promise<readonly ReleaseEvent[]>): EventLog {
  const [items, setItems] = useState<readonly ReleaseEvent[] | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const state = useRef({ key, items: undefined as readonly ReleaseEvent[] | undefined, inflight: false, again: false, load });
  state.current.load = load;

  const pull = useCallback(async () => {
    const s = state.current;
    if (s.inflight) {
      s.again = true;
      return;
    }
    s.inflight = true;
    do {
      s.again = false;
      const runKey = s.key;
      const held = s.items;
      try {
        const fresh = await s.load(held?.[held.length - 1]?.seq);
        if (runKey !== s.key) continue;
        const last = held?.[held.length - 1]?.seq ?? -1;
        const added = fresh.filter((e) => e.seq > last);
        if (held === undefined || added.length > 0) {
          s.items = [...(held ?? []), ...added];
          setItems(s.items);
        }
        setError(undefined);
      } catch (e) {
        if (runKey === s.key) setError(toApiError(e));
      }
    } while (s.again);
    s.inflight = false;
  }, []);

  useEffect(() => {
    state.current.key = key;
    state.current.items = undefined;
    setItems(undefined);
    setError(undefined);
    if (state.current.inflight) state.current.again = true;
    else void pull();
  }, [key, pull]);

  return { items, error, pull: () => void pull() };
}
