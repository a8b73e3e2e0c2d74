import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../api/api-error';
import type { ApiClient } from '../api/client';
import { STREAM_REFUSED } from '../api/flag-stream';
import { can, type UiAction, type Verdict, type Whoami } from './permissions';

/**
 * checking: whoami has not answered yet; off: the control plane has no logins (the UI as before);
 * signed-in: a session; signed-out: whoami (or any call, or a stream) answered 401; unknown: whoami
 * failed otherwise (e.g. the control plane is unreachable) — the pages show their own errors.
 */
export type SessionState =
  | { readonly status: 'checking' }
  | { readonly status: 'off' }
  | { readonly status: 'signed-in'; readonly me: Whoami }
  | { readonly status: 'signed-out' }
  | { readonly status: 'unknown'; readonly error: ApiError };

export interface Session {
  readonly state: SessionState;
  /** The signed-in person, for permissions; undefined when auth is off or not known. */
  readonly me: Whoami | undefined;
  /** Checks the session again (GET /whoami). */
  recheck(): void;
  /** After a successful sign-in. */
  signedIn(me: Whoami): void;
  /** After a 401 or a sign-out. */
  signedOut(): void;
}

const SessionContext = createContext<Session>({ state: { status: 'off' }, me: undefined, recheck: () => {}, signedIn: () => {}, signedOut: () => {} });

export function useSession(): Session {
  return useContext(SessionContext);
}

/** May the signed-in person do `action` (on `service`)? Always yes when auth is off. */
export function useCan(action: UiAction, service?: string): Verdict {
  return can(useSession().me, action, service);
}

/** Longest timer a browser keeps (about 24.8 days); a later expiry is checked when it comes closer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The session of this browser: asks GET /whoami once, again whenever a stream is refused (EventSource
 * cannot tell a 401 from other refusals) and when the session expires. `onUnauthenticated` of the
 * client (any call's 401) must call `signedOut` of the returned session.
 */
export function useSessionState(api: ApiClient, now: () => number = Date.now): Session {
  const [state, setState] = useState<SessionState>({ status: 'checking' });
  const checking = useRef(false);
  const recheck = useCallback(() => {
    if (checking.current) return;
    checking.current = true;
    api
      .checkSession()
      .then((me) => setState(me.auth === 'off' ? { status: 'off' } : { status: 'signed-in', me }))
      .catch((error: unknown) => {
        const failure = toApiError(error);
        setState(failure.status === 401 ? { status: 'signed-out' } : { status: 'unknown', error: failure });
      })
      .finally(() => (checking.current = false));
  }, [api]);
  const signedIn = useCallback((me: Whoami) => setState(me.auth === 'off' ? { status: 'off' } : { status: 'signed-in', me }), []);
  const signedOut = useCallback(() => setState({ status: 'signed-out' }), []);

  useEffect(recheck, [recheck]);
  useEffect(() => {
    const onRefused = () => {
      if (state.status === 'signed-in') recheck();
    };
    window.addEventListener(STREAM_REFUSED, onRefused);
    return () => window.removeEventListener(STREAM_REFUSED, onRefused);
  }, [state.status, recheck]);
  const expiresAt = state.status === 'signed-in' ? state.me.expiresAt : null;
  useEffect(() => {
    if (expiresAt === null) return undefined;
    const timer = setTimeout(recheck, Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - now()) + 1000));
    return () => clearTimeout(timer);
  }, [expiresAt, recheck, now]);

  const me = state.status === 'signed-in' ? state.me : undefined;
  return useMemo(() => ({ state, me, recheck, signedIn, signedOut }), [state, me, recheck, signedIn, signedOut]);
}

export function SessionProvider({ session, children }: { readonly session: Session; readonly children: ComponentChildren }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
