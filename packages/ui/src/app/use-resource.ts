import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../api/api-error';

export interface Resource<T> {
  /** The last value loaded; kept while a reload runs, so the page does not flash. */
  readonly data: T | undefined;
  /** The last load's failure; cleared by the next success. */
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Loads again. Calls during a load coalesce into one more load after it. */
  reload(): void;
  /** Replaces the value with a fresher one (e.g. an action's answer) without a request. */
  set(update: (data: T | undefined) => T | undefined): void;
}

/** Loads `load()` now and whenever `key` changes; answers of an older key are dropped. */
export function useResource<T>(key: string, load: () => Promise<T>): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const state = useRef({ key, inflight: false, again: false, load });
  state.current.load = load;

  const run = useCallback(async () => {
    const s = state.current;
    if (s.inflight) {
      s.again = true;
      return;
    }
    s.inflight = true;
    setLoading(true);
    do {
      s.again = false;
      const runKey = s.key;
      try {
        const value = await s.load();
        if (runKey === s.key) {
          setData(value);
          setError(undefined);
        }
      } catch (e) {
        if (runKey === s.key) setError(toApiError(e));
      }
    } while (s.again);
    s.inflight = false;
    setLoading(false);
  }, []);

  useEffect(() => {
    state.current.key = key;
    setData(undefined);
    setError(undefined);
    if (state.current.inflight) state.current.again = true;
    else void run();
  }, [key, run]);

  return { data, error, loading, reload: run, set: setData };
}
