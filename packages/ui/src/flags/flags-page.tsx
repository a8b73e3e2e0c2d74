import { useState } from 'preact/hooks';
import type { FlagView } from '../api/client';
import { useFlagStream } from '../api/flag-stream';
import { useApi } from '../app/api-context';
import { LiveIndicator } from '../app/live-indicator';
import { ErrorDetails } from '../app/notices';
import { href, Link, navigate, useLocation } from '../app/router';
import { useResource, type Resource } from '../app/use-resource';
import { EnvironmentPicker } from './environment-picker';
import { FlagPermissionNote } from './flag-permission';
import { environmentsOf, environmentState } from './environments';
import { FlagTable } from './flag-table';
import { KillDialog } from './kill-dialog';
import { StaleFlags, UNUSED_DAYS } from './stale-flags';
import { useFlagActions } from './use-flag-actions';

/** Replaces one flag of a loaded list with the version an action answered. */
export function replaceIn(list: Resource<readonly FlagView[]>, flag: FlagView): void {
  list.set((all) => all?.map((f) => (f.name === flag.name ? flag : f)));
}

function Summary({ flags, environment }: { readonly flags: readonly FlagView[] | undefined; readonly environment: string }) {
  if (flags === undefined) return <p class="muted summary">Loading flags…</p>;
  const on = flags.filter((f) => environmentState(f, environment).enabled).length;
  return (
    <p class="muted summary">
      {flags.length} flag{flags.length === 1 ? '' : 's'}, {on} on in {environment}
    </p>
  );
}

function LoadError({ list }: { readonly list: Resource<readonly FlagView[]> }) {
  if (list.error === undefined) return null;
  return (
    <div class="panel panel-error" role="alert">
      <strong>{list.data === undefined ? 'Could not load the flags' : 'Could not refresh the flags; the list may be out of date'}</strong>
      <ErrorDetails error={list.error} />
      <button type="button" class="button" onClick={list.reload}>
        Try again
      </button>
    </div>
  );
}

function Empty() {
  return (
    <div class="panel">
      <strong>No flags yet.</strong> Apply some, e.g. <code>npx sluice apply -f demo/flags.yaml</code>; they appear here at once.
    </div>
  );
}

/** "All flags" and "Stale flags": two views of the page, in the URL (`?view=stale&unused=30`). */
function FlagTabs({ environment, stale }: { readonly environment: string; readonly stale: boolean }) {
  return (
    <nav class="tabs" aria-label="Flag views">
      <Link to={href('flags', { env: environment })} class="tab" aria-current={stale ? undefined : 'page'}>
        All flags
      </Link>
      <Link to={href('flags', { env: environment, view: 'stale' })} class="tab" aria-current={stale ? 'page' : undefined}>
        Stale flags
      </Link>
    </nav>
  );
}

function unusedDays(raw: string | null): number {
  const days = Number(raw);
  return (UNUSED_DAYS as readonly number[]).includes(days) ? days : 30;
}

/** The Flags page: every flag in one environment, its switch there, and its kill switch; or the stale flags. */
export function FlagsPage({ environment }: { readonly environment: string }) {
  const { query } = useLocation();
  if (query.get('view') === 'stale') {
    return (
      <section aria-labelledby="page-title">
        <div class="page-head">
          <h1 id="page-title">Flags</h1>
        </div>
        <FlagTabs environment={environment} stale />
        <StaleFlags environment={environment} days={unusedDays(query.get('unused'))} />
      </section>
    );
  }
  return <FlagList environment={environment} />;
}

function FlagList({ environment }: { readonly environment: string }) {
  const api = useApi();
  const list = useResource('flags', () => api.listFlags());
  const live = useFlagStream(api.flagStreamUrl(environment), list.reload);
  const actions = useFlagActions((flag) => replaceIn(list, flag));
  const [killingName, setKilling] = useState<string | undefined>(undefined);
  // The flag as it is now: a change arriving while the dialog is open updates what it says.
  const killing = list.data?.find((f) => f.name === killingName);
  const environments = environmentsOf(list.data ?? []);
  const confirmKill = async (reason: string) => {
    if (killing === undefined) return;
    if (await actions.kill(killing, reason)) setKilling(undefined);
  };
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <div>
          <h1 id="page-title">Flags</h1>
          <Summary flags={list.data} environment={environment} />
        </div>
        <LiveIndicator status={live} />
      </div>
      <FlagTabs environment={environment} stale={false} />
      <EnvironmentPicker environments={environments} value={environment} onChange={(env) => navigate(href('flags', { env }), { replace: true })} />
      <LoadError list={list} />
      <FlagPermissionNote />
      {list.data !== undefined && list.data.length === 0 && <Empty />}
      {list.data === undefined && list.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {list.data !== undefined && list.data.length > 0 && (
        <FlagTable flags={list.data} environment={environment} environments={environments} pending={actions.pending} onToggle={(f) => void actions.toggle(f, environment)} onKill={(f) => setKilling(f.name)} onRollout={(f, r) => actions.setRollout(f, environment, r)} />
      )}
      {killing !== undefined && <KillDialog flag={killing} busy={actions.pending.has(`kill:${killing.name}`)} onConfirm={(r) => void confirmKill(r)} onCancel={() => setKilling(undefined)} />}
    </section>
  );
}
