import { useEffect } from 'preact/hooks';
import { useApi } from '../app/api-context';
import { ErrorDetails } from '../app/notices';
import { useResource } from '../app/use-resource';
import { MigrationCard } from './migration-card';
import { isActive, migrationsOf } from './migration-model';
import './migrations.css';

/** While SQL or a backfill runs, the page reads the rollouts again this often. */
export const REFRESH_MS = 2000;

/** Every rollout with a schema migration: phase, backfill progress, point of no return and SQL; live while one runs. */
export function MigrationsPage() {
  const api = useApi();
  const list = useResource('migrations', async () => migrationsOf(await api.listRollouts()));
  const items = list.data;
  const active = items?.some(isActive) ?? false;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(list.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [active]);
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <div>
          <h1 id="page-title">Migrations</h1>
          <p class="muted summary">
            {items === undefined ? 'Loading…' : `${items.length} rollout${items.length === 1 ? '' : 's'} with a schema migration`}
          </p>
        </div>
        <span class={`live ${active ? 'live-live' : ''}`} role="status">
          <span class="dot" aria-hidden="true" />
          {active ? 'Refreshing every 2 s' : 'Nothing running'}
        </span>
      </div>
      {list.error !== undefined && (
        <div class="panel panel-error" role="alert">
          <strong>Could not load the rollouts</strong>
          <ErrorDetails error={list.error} />
        </div>
      )}
      {items === undefined && list.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {items !== undefined && items.length === 0 && (
        <div class="panel">
          <strong>No rollout carries a migration.</strong> Add a <code>migration</code> section to a Rollout (see docs/migrations.md); its expand, backfill and
          contract show here.
        </div>
      )}
      {items?.map((m) => <MigrationCard key={m.rollout.name} m={m} />)}
    </section>
  );
}
