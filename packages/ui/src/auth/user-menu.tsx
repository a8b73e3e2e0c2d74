import { useState } from 'preact/hooks';
import { toApiError } from '../api/api-error';
import { useApi } from '../app/api-context';
import { useNotify } from '../app/notices';
import { navigate } from '../app/router';
import type { Whoami } from './permissions';
import { LOGIN_PATH } from './return-path';
import { useSession } from './session';
import './auth.css';

/** The header's "who is signed in" (name, role) and Sign out: DELETE /session, then the login page. */
export function UserMenu({ me }: { readonly me: Whoami }) {
  const api = useApi();
  const session = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await api.signOut();
      session.signedOut();
      navigate(LOGIN_PATH, { replace: true });
    } catch (error) {
      notify.error('Could not sign out', toApiError(error));
    } finally {
      setBusy(false);
    }
  };
  const services = me.services.includes('*') ? 'all services' : `services ${me.services.join(', ') || '(none)'}`;
  return (
    <div class="user-menu" data-testid="user-menu">
      <span class="user-who" title={`Signed in as ${me.name}, ${me.role}, ${services}`}>
        <span class="visually-hidden">Signed in as </span>
        <strong class="user-name">{me.name}</strong> <span class="kind user-role" data-role={me.role}>{me.role}</span>
      </span>
      <button type="button" class="button button-small" disabled={busy} onClick={() => void signOut()}>
        {busy ? 'Signing out…' : 'Sign out'}
      </button>
    </div>
  );
}
