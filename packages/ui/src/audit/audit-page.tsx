import { useState } from 'preact/hooks';
import { toApiError } from '../api/api-error';
import { useApi } from '../app/api-context';
import { LiveIndicator } from '../app/live-indicator';
import { useNotify } from '../app/notices';
import { href, navigate, useLocation } from '../app/router';
import { useResource } from '../app/use-resource';
import { LoadError } from '../releases/releases-page';
import { useLiveReload } from '../releases/use-live-reload';
import { AuditFilters } from './audit-filters';
import { auditFilterFromQuery, auditFilterToQuery, loadAuditPage, matchesAudit, mergeEvents, type AuditFilter } from './audit-model';
import { EventTable, type AuditEvent } from './event-table';
import '../releases/releases.css';
import './audit.css';

/** The log under one filter: the newest page (reloaded), events the stream added on top, and older pages. */
function useAuditLog(filter: AuditFilter) {
  const api = useApi();
  const notify = useNotify();
  const first = useResource('audit', () => loadAuditPage(api, filter));
  const [fresh, setFresh] = useState<readonly AuditEvent[]>([]);
  const [older, setOlder] = useState<{ readonly items: readonly AuditEvent[]; readonly more: boolean } | undefined>(undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const live = useLiveReload(first.reload, {
    relevant: () => false,
    onEvent: (event) => {
      if (matchesAudit(event, filter)) setFresh((f) => [event, ...f]);
    },
  });
  const items = first.data === undefined ? undefined : mergeEvents(fresh, first.data.items, older?.items ?? []);
  const more = older === undefined ? (first.data?.more ?? false) : older.more;
  const loadOlder = async () => {
    const oldest = items?.[items.length - 1]?.seq;
    if (oldest === undefined) return;
    setLoadingOlder(true);
    try {
      const page = await loadAuditPage(api, filter, oldest);
      setOlder((o) => ({ items: [...(o?.items ?? []), ...page.items], more: page.more }));
    } catch (error) {
      notify.error('Could not load older events', toApiError(error));
    } finally {
      setLoadingOlder(false);
    }
  };
  return { first, items, fresh: new Set(fresh.map((e) => e.seq)), more, loadingOlder, loadOlder, live };
}

function AuditLog({ filter }: { readonly filter: AuditFilter }) {
  const log = useAuditLog(filter);
  const filtered = Object.values(filter).some((v) => v !== '');
  return (
    <>
      <div class="page-head">
        <div>
          <h1 id="page-title">Audit log</h1>
          <p class="muted summary">{log.items === undefined ? 'Loading events…' : `Every action, newest first${filtered ? ', filtered' : ''}: ${log.items.length} shown`}</p>
        </div>
        <LiveIndicator status={log.live} />
      </div>
      <AuditFilters filter={filter} onApply={(f) => navigate(href('audit', auditFilterToQuery(f)), { replace: true })} />
      <LoadError resource={log.first} what="the audit log" />
      {log.items === undefined && log.first.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {log.items !== undefined && log.items.length === 0 && <div class="panel">No event matches{filtered ? ' these filters' : ' yet'}.</div>}
      {log.items !== undefined && log.items.length > 0 && <EventTable events={log.items} fresh={log.fresh} label="Events, newest first" />}
      <div class="rel-pager">
        {log.more && (
          <button type="button" class="button" disabled={log.loadingOlder} onClick={() => void log.loadOlder()}>
            {log.loadingOlder ? 'Loading…' : 'Older events'}
          </button>
        )}
        {log.items !== undefined && log.items.length > 0 && !log.more && <span class="muted small">That is the first event{filtered ? ' matching the filters' : ''}.</span>}
      </div>
    </>
  );
}

/** The audit log: every action, newest first, filtered by the URL's query (so a view can be shared), live. */
export function AuditPage() {
  const { query } = useLocation();
  const filter = auditFilterFromQuery(query);
  const key = JSON.stringify(filter);
  return (
    <section aria-labelledby="page-title" class="rel-audit-page">
      <AuditLog key={key} filter={filter} />
    </section>
  );
}
