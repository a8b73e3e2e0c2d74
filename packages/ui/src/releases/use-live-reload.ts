import { useCallback, useEffect, useRef } from 'preact/hooks';
import { useEventStream, type StreamedEvent } from '../api/event-stream';
import type { StreamStatus } from '../api/flag-stream';
import { useApi } from '../app/api-context';

/** Events closer together than this cause one reload. */
export const COALESCE_MS = 300;
/** Reloads this often anyway: a missed event, or a stream that is down, never leaves the page stale for long. */
export const FALLBACK_MS = 5000;

/**
 * Follows GET /api/v1/events/stream and calls `reload` after the events `relevant` accepts (all by
 * default): at once for the first, then at most every 300 ms; also every 5 s while the page is visible.
 * `onEvent` sees every event first (the audit log adds them to its list). Returns the stream's state.
 */
export function useLiveReload(reload: () => void, options: { relevant?: (event: StreamedEvent) => boolean; onEvent?: (event: StreamedEvent) => void } = {}): StreamStatus {
  const api = useApi();
  const latest = useRef({ reload, ...options });
  latest.current = { reload, ...options };
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastRun = useRef(0);
  const run = useCallback(() => {
    timer.current = undefined;
    lastRun.current = Date.now();
    latest.current.reload();
  }, []);
  const status = useEventStream(
    (after) => api.eventStreamUrl(after),
    (event) => {
      latest.current.onEvent?.(event);
      if (latest.current.relevant !== undefined && !latest.current.relevant(event)) return;
      if (timer.current === undefined) timer.current = setTimeout(run, Math.max(0, lastRun.current + COALESCE_MS - Date.now()));
    },
  );
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState !== 'hidden' && timer.current === undefined) run();
    }, FALLBACK_MS);
    return () => {
      clearInterval(id);
      clearTimeout(timer.current);
    };
  }, [run]);
  return status;
}
