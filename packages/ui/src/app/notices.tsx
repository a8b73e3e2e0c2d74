import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/api-error';

/** A message at the bottom of the screen: fixed, so it never moves the page. Errors stay until dismissed. */
export interface Notice {
  readonly id: number;
  readonly kind: 'ok' | 'error';
  readonly title: string;
  readonly body?: ComponentChildren;
  readonly error?: ApiError;
}

export interface Notify {
  ok(title: string, body?: ComponentChildren): void;
  error(title: string, error: ApiError): void;
}

const OK_MS = 10_000;
const NotifyContext = createContext<Notify>({ ok: () => {}, error: () => {} });

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

/** The code, message and each problem of an API error, as the API sent them. */
export function ErrorDetails({ error }: { readonly error: ApiError }) {
  return (
    <div class="error-details">
      <p>
        <code class="code">{error.code}</code> {error.message}
      </p>
      {error.problems.length > 0 && (
        <ul>
          {error.problems.map((p, i) => (
            <li key={i}>
              {p.path !== undefined && <code>{p.path}</code>} {p.message}
              {p.expected !== undefined && <span class="muted"> — expected {p.expected}</span>}
            </li>
          ))}
        </ul>
      )}
      {error.id !== undefined && <p class="muted">Error id {error.id}{error.code === 'INTERNAL' ? ' (the server log has the details)' : ''}</p>}
    </div>
  );
}

function NoticeView({ notice, dismiss }: { readonly notice: Notice; readonly dismiss: () => void }) {
  return (
    <div class={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid={`notice-${notice.kind}`}>
      <div class="notice-text">
        <strong>{notice.title}</strong>
        {notice.body !== undefined && <div>{notice.body}</div>}
        {notice.error !== undefined && <ErrorDetails error={notice.error} />}
      </div>
      <button type="button" class="icon-button" aria-label="Dismiss" onClick={dismiss}>
        ×
      </button>
    </div>
  );
}

/** Provides useNotify() to the app and shows the notices. */
export function NoticeProvider({ children }: { readonly children: ComponentChildren }) {
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  const add = useCallback(
    (notice: Omit<Notice, 'id'>) => {
      const id = next.current++;
      // Keep the newest few: a burst of failures must not cover the page.
      setNotices((all) => [...all.slice(-3), { ...notice, id }]);
      if (notice.kind === 'ok') setTimeout(() => dismiss(id), OK_MS);
    },
    [dismiss],
  );
  const notify = useMemo<Notify>(
    () => ({ ok: (title, body) => add({ kind: 'ok', title, body }), error: (title, error) => add({ kind: 'error', title, error }) }),
    [add],
  );
  return (
    <NotifyContext.Provider value={notify}>
      {children}
      <div class="notices" aria-live="polite">
        {notices.map((n) => (
          <NoticeView key={n.id} notice={n} dismiss={() => dismiss(n.id)} />
        ))}
      </div>
    </NotifyContext.Provider>
  );
}
