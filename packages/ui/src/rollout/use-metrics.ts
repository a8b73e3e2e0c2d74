import { useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../api/api-error';
import { mergeMetrics } from './metrics-data';
import type { RolloutApi, RolloutMetrics } from './rollout-api';

/** loading: before the first answer; ready: data held; missing: the endpoint or the data is not there yet (404). */
export type MetricsStatus = 'loading' | 'ready' | 'missing' | 'error';

export interface MetricsState {
  readonly status: MetricsStatus;
  readonly metrics: RolloutMetrics | undefined;
  readonly error: ApiError | undefined;
}

const POLL_MS = 2_000;
const MISSING_RETRY_MS = 10_000;
/** How long after the rollout ends the charts keep following (traffic settling on stable). */
const AFTER_END_MS = 60_000;

/**
 * The rollout's metrics: everything once, then `?after=` the newest held point every 2 s while the
 * rollout runs (and a minute after it ends). A 404 (no metrics yet) is retried every 10 s.
 */
export function useMetrics(rollouts: RolloutApi, name: string, finishedAt: number | undefined): MetricsState {
  const [state, setState] = useState<MetricsState>({ status: 'loading', metrics: undefined, error: undefined });
  const ended = useRef(finishedAt);
  ended.current = finishedAt;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let held: RolloutMetrics | undefined;
    const tick = async () => {
      let wait = POLL_MS;
      try {
        const newest = Math.max(0, ...(held?.series.map((s) => s.t[s.t.length - 2] ?? s.t[s.t.length - 1] ?? 0) ?? [0]));
        const fresh = await rollouts.metrics(name, held === undefined || newest === 0 ? undefined : newest);
        if (stopped) return;
        held = mergeMetrics(held, fresh);
        setState({ status: 'ready', metrics: held, error: undefined });
      } catch (e) {
        if (stopped) return;
        const error = toApiError(e);
        const missing = error.status === 404;
        if (missing) wait = MISSING_RETRY_MS;
        setState((s) => (s.metrics !== undefined ? { ...s, error } : { status: missing ? 'missing' : 'error', metrics: undefined, error }));
      }
      const end = ended.current;
      if (end === undefined || Date.now() < end + AFTER_END_MS) timer = setTimeout(() => void tick(), wait);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [rollouts, name]);
  return state;
}
