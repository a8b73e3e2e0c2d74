import { useEffect, useRef, useState } from 'preact/hooks';

/** connecting: before the first hydration; live: receiving; reconnecting: the connection was lost and is retried. */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/** How long to wait before opening a stream the server refused (EventSource retries lost ones by itself). */
const RETRY_CLOSED_MS = 3000;

/** The window event a refused stream dispatches: EventSource hides the status, so the session is checked (a 401 leads to the login). */
export const STREAM_REFUSED = 'sluice:stream-refused';

export function reportStreamRefused(): void {
  window.dispatchEvent(new Event(STREAM_REFUSED));
}

/**
 * Listens to GET /api/v1/flags/stream for one environment and calls `onChange` whenever the server
 * sends definitions (the hydration after each (re)connect, then every change). Any flag change in
 * any environment produces an event, so one stream keeps the page current. EventSource reconnects
 * by itself and resumes with Last-Event-ID; a stream the server refused is reopened after 3 s.
 */
export function useFlagStream(url: string, onChange: () => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return undefined;
    const source = new EventSource(url);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      setStatus('live');
      latest.current();
    };
    source.addEventListener('unleash-connected', changed);
    source.addEventListener('unleash-updated', changed);
    source.addEventListener('error', () => {
      setStatus('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return;
      reportStreamRefused();
      retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_CLOSED_MS);
    });
    return () => {
      clearTimeout(retry);
      source.close();
    };
  }, [url, attempt]);
  return status;
}
