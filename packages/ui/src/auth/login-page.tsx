import { useEffect, useRef, useState } from 'preact/hooks';
import { toApiError } from '../api/api-error';
import { useApi } from '../app/api-context';
import { navigate } from '../app/router';
import { loginFailure, tokenProblem, waitText, type LoginFailure } from './login-model';
import { safeNext } from './return-path';
import { useSession } from './session';
import './auth.css';

const ERROR_ID = 'login-error';

/** Seconds left until `until` (ms), ticking once a second; 0 when it has passed. */
function useCountdown(until: number | undefined): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (until === undefined) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === undefined ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

interface SignIn {
  readonly busy: boolean;
  /** What went wrong, with a 429's wait counting down. */
  readonly message: string | undefined;
  /** Seconds until another try is allowed (after a 429). */
  readonly left: number;
  submit(token: string): Promise<boolean>;
}

/** POST /session with the token; on success the session is set and the page goes to `target`. */
function useSignIn(target: string): SignIn {
  const api = useApi();
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<LoginFailure | undefined>(undefined);
  const [waitUntil, setWaitUntil] = useState<number | undefined>(undefined);
  const left = useCountdown(waitUntil);
  const submit = async (token: string): Promise<boolean> => {
    if (busy || left > 0) return false;
    const problem = tokenProblem(token);
    if (problem !== undefined) {
      setFailure({ message: problem });
      return false;
    }
    setBusy(true);
    setFailure(undefined);
    try {
      session.signedIn(await api.signIn(token.trim()));
      navigate(target, { replace: true });
      return true;
    } catch (error) {
      const failed = loginFailure(toApiError(error));
      setFailure(failed);
      setWaitUntil(failed.waitSeconds === undefined ? undefined : Date.now() + failed.waitSeconds * 1000);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const message = failure === undefined ? undefined : left > 0 && failure.waitSeconds !== undefined ? `Too many failed sign-ins from here. Try again in ${waitText(left)}.` : failure.message;
  return { busy, message, left, submit };
}

/**
 * The sign-in page (/ui/login?next=…): an API token in a password field. A wrong token and too many
 * tries (with the wait) are explained beside the field; after signing in the person is back on the
 * page they were on (`next`, only ever a page of the release center).
 */
export function LoginPage({ next }: { readonly next: string | null }) {
  const session = useSession();
  const [token, setToken] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const target = safeNext(next);
  const signIn = useSignIn(target);
  // Nothing to sign in to (auth off), or already signed in: go where the person was going.
  const status = session.state.status;
  useEffect(() => {
    if (status === 'off' || status === 'signed-in') navigate(target, { replace: true });
  }, [status, target]);
  useEffect(() => input.current?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await signIn.submit(token)) setToken('');
    else input.current?.select();
  };
  const { message } = signIn;
  return (
    <section class="panel login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <p class="muted">This control plane asks who you are. Sign in with your API token; an admin of this Sluice can give you one.</p>
      <form class="login-form" onSubmit={(e) => void submit(e)} noValidate>
        <label for="login-token">API token</label>
        <input ref={input} id="login-token" type="password" name="token" autoComplete="off" spellcheck={false} autoCapitalize="off" placeholder="sluice_…"
          value={token} onInput={(e) => setToken(e.currentTarget.value)} aria-invalid={message !== undefined} aria-describedby={message === undefined ? undefined : ERROR_ID} />
        {message !== undefined && (
          <p id={ERROR_ID} class="field-error login-error" role="alert" data-testid="login-error">
            {message}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={signIn.busy || signIn.left > 0}>
          {signIn.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="muted small">The token stays in this browser only as a session cookie the page's scripts cannot read; Sign out ends the session.</p>
    </section>
  );
}
