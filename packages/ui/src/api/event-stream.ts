import { useEffect, useRef, useState } from 'preact/hooks';
import { reportStreamRefused, type StreamStatus } from './flag-stream';

/** One stored event as GET /api/v1/events and its stream send it (docs/api.md, "Events"). */
export interface StreamedEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  readonly actor?: string;
  readonly service?: string;
  readonly subject?: { readonly kind: string; readonly name: string };
  readonly from?: string;
  readonly to?: string;
  readonly reason?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

const RETRY_CLOSED_MS = 3000;

/**
 * Listens to GET /api/v1/events/stream: every event stored after the page opened the stream (each SSE
 * message is `event: event`, `id: <seq>`, data the event as JSON). EventSource reconnects by itself and
 * resumes with Last-Event-ID, so no event is missed or repeated; a stream the server refused is reopened
 * after 3 s from the last seq seen. `onEvent` runs for each event, in order.
 */
export function useEventStream(url: (after: number | undefined) => string, onEvent: (event: StreamedEvent) => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(onEvent);
  latest.current = onEvent;
  const lastSeq = useRef<number | undefined>(undefined);
  const makeUrl = useRef(url);
  makeUrl.current = url;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return undefined;
    const source = new EventSource(makeUrl.current(lastSeq.current));
    let retry: ReturnType<typeof setTimeout> | undefined;
    source.addEventListener('open', () => setStatus('live'));
    source.addEventListener('event', (message) => {
      setStatus('live');
      let event: StreamedEvent;
      try {
        event = JSON.parse((message as MessageEvent<string>).data) as StreamedEvent;
      } catch {
        return;
      }
      if (lastSeq.current !== undefined && event.seq <= lastSeq.current) return;
      lastSeq.current = event.seq;
      latest.current(event);
    });
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
  }, [attempt]);
  return status;
}
