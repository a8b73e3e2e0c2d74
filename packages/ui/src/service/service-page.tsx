import { useState } from 'preact/hooks';
import { toApiError } from '../api/api-error';
import { useApi } from '../app/api-context';
import { LiveIndicator } from '../app/live-indicator';
import { useNotify } from '../app/notices';
import { href, Link } from '../app/router';
import { useResource } from '../app/use-resource';
import { EventTable } from '../audit/event-table';
import { isActive } from '../releases/release-model';
import { LoadError } from '../releases/releases-page';
import { useLiveReload } from '../releases/use-live-reload';
import { RevisionList } from './revision-list';
import { loadServiceHistory, undoTo, type RevisionView, type ServiceHistory } from './service-model';
import { ServiceStatePanel } from './service-state';
import { UndoDialog } from './undo-dialog';
import '../releases/releases.css';
import '../audit/audit.css';
import './service.css';

/** Undo through the dialog: the revision being confirmed, whether the call runs, and the call. */
function useUndo(name: string, done: () => void) {
  const api = useApi();
  const notify = useNotify();
  const [target, setTarget] = useState<RevisionView | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    if (target === undefined) return;
    setBusy(true);
    try {
      const service = await undoTo(api, name, target.number);
      notify.ok(`${name}: ${service.status.stable} is stable again`, `Revision ${service.status.revision} (undo to revision ${target.number}).`);
      setTarget(undefined);
      done();
    } catch (error) {
      notify.error(`Could not undo ${name} to revision ${target.number}`, toApiError(error));
    } finally {
      setBusy(false);
    }
  };
  return { target, setTarget, busy, confirm };
}

function Sections({ history, onUndo }: { readonly history: ServiceHistory; readonly onUndo: (r: RevisionView) => void }) {
  const { service } = history;
  return (
    <>
      <ServiceStatePanel service={service} active={history.rollouts.find(isActive)} />
      <h2 id="revisions-title">Revisions</h2>
      <p class="muted small">Newest first. Undo makes a revision's version stable again at once (within the rollback window).</p>
      <RevisionList history={history} onUndo={onUndo} />
      <h2>Recent events</h2>
      {history.events.length === 0 ? <p class="muted">No events yet.</p> : <EventTable events={history.events} label={`Recent events of ${service.name}`} />}
      <p>
        <Link to={href('audit', { service: service.name })}>Every event of {service.name} in the audit log</Link>
      </p>
    </>
  );
}

/** A service's history: its state now, its revisions with the rollouts that made them, and Undo. */
export function ServicePage({ name }: { readonly name: string }) {
  const api = useApi();
  const data = useResource(`service:${name}`, () => loadServiceHistory(api, name));
  const live = useLiveReload(data.reload, { relevant: (e) => e.service === undefined || e.service === name });
  const undo = useUndo(name, data.reload);
  // The service as it is now: a change arriving while the dialog is open updates what it says.
  const target = undo.target === undefined ? undefined : data.data?.revisions.find((r) => r.number === undo.target?.number);
  return (
    <section aria-labelledby="page-title" class="rel-service-page">
      <div class="page-head">
        <div>
          <p class="small rel-breadcrumb">
            <Link to={href('')}>Releases</Link> / service
          </p>
          <h1 id="page-title">{name}</h1>
        </div>
        <LiveIndicator status={live} />
      </div>
      <LoadError resource={data} what={`service ${name}`} />
      {data.data === undefined && data.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {data.data !== undefined && <Sections history={data.data} onUndo={undo.setTarget} />}
      {data.data !== undefined && target !== undefined && (
        <UndoDialog service={data.data.service} revision={target} busy={undo.busy} onConfirm={() => void undo.confirm()} onCancel={() => undo.setTarget(undefined)} />
      )}
    </section>
  );
}
