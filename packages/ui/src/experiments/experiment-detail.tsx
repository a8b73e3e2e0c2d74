import { useEffect, useState } from 'preact/hooks';
import { toApiError } from '../api/api-error';
import { useApi } from '../app/api-context';
import { ErrorDetails, useNotify } from '../app/notices';
import { href, Link } from '../app/router';
import { deniedProps, PermissionNote } from '../auth/permission-note';
import { useCan } from '../auth/session';
import { useResource, type Resource } from '../app/use-resource';
import { ago, when } from '../flags/format';
import { PromoteDialog, StopDialog } from './experiment-dialogs';
import { getExperiment, promoteExperiment, stopExperiment, type ExperimentView } from './experiments-api';
import { count } from './format';
import { MetricTables, SrmCheck, VariantTable } from './report-tables';
import './experiments.css';

/** The report is computed from the counts at each read: a running experiment is read again every 5 s. */
const REFRESH_MS = 5000;
const PERMISSION_ID = 'experiment-permission';

function ResultPanel({ view }: { readonly view: ExperimentView }) {
  const { report } = view;
  return (
    <div class={`panel result result-${report.result.replace(' ', '-')}`} data-result={report.result}>
      <p class="result-line">
        <strong>Result: {report.result}</strong>
        {report.winner !== null && (
          <>
            {' '}
            — winner <strong data-testid="winner">{report.winner}</strong>
          </>
        )}
      </p>
      <ul class="reasons">
        {report.reasons.map((r, i) => (
          <li key={i} data-code={r.code}>
            <code>{r.code}</code> {r.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Header({ view, onStop, onPromote }: { readonly view: ExperimentView; readonly onStop: () => void; readonly onPromote: () => void }) {
  const { status } = view;
  const allowed = useCan('experiment.steer', view.spec.service);
  const denied = deniedProps(allowed, PERMISSION_ID);
  return (
    <div class="page-head">
      <div>
        <h1 id="page-title">{view.name}</h1>
        <p class="muted summary">
          <span class={`kind phase-${status.phase.toLowerCase()}`}>{status.phase}</span> {view.spec.service !== undefined && <>on {view.spec.service}, </>}
          started <span title={when(status.startedAt)}>{ago(status.startedAt)}</span>, {count(view.users)} users
          {view.droppedExposures > 0 && <>, {count(view.droppedExposures)} exposures dropped</>}
          {status.endedBy !== undefined && <>; ended by {status.endedBy}{status.reason !== undefined && <> ({status.reason})</>}</>}
          {status.promoted !== undefined && <>; promoted {status.promoted.variant}{status.promoted.forced ? ' (forced)' : ''}</>}
        </p>
      </div>
      <div class="head-actions">
        <button type="button" class="button button-danger" disabled={status.phase !== 'Running' || denied.disabled === true} title={denied.title} aria-describedby={denied['aria-describedby']} onClick={onStop}>
          Stop
        </button>
        <button type="button" class="button button-primary" disabled={status.phase === 'Promoted' || denied.disabled === true} title={denied.title} aria-describedby={denied['aria-describedby']} onClick={onPromote}>
          Promote
        </button>
        <PermissionNote id={PERMISSION_ID} verdict={allowed} what="Stopping or promoting this experiment" />
      </div>
    </div>
  );
}

function Report({ view }: { readonly view: ExperimentView }) {
  return (
    <>
      <ResultPanel view={view} />
      <h2>Variants</h2>
      <VariantTable view={view} />
      <SrmCheck srm={view.report.srm} />
      <h2>Metrics</h2>
      <p class="muted small">
        Differences and lifts are against <strong>{view.report.control}</strong>, with intervals at 1 − alpha; {view.report.correction === 'holm' ? "p (adj.) is Holm's correction over the treatments on the primary metric" : 'one treatment: p (adj.) = p'}.
      </p>
      <MetricTables report={view.report} />
    </>
  );
}

function useExperimentActions(name: string, data: Resource<ExperimentView>) {
  const api = useApi();
  const notify = useNotify();
  const [dialog, setDialog] = useState<'stop' | 'promote' | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const act = async (what: string, call: () => Promise<ExperimentView>, done: (v: ExperimentView) => string) => {
    setBusy(true);
    try {
      const view = await call();
      data.set(() => view);
      setDialog(undefined);
      notify.ok(done(view));
    } catch (error) {
      notify.error(`Could not ${what} ${name}`, toApiError(error));
    } finally {
      setBusy(false);
    }
  };
  return {
    dialog,
    setDialog,
    busy,
    stop: (reason: string) => act('stop', () => stopExperiment(api, name, reason), () => `${name} is stopped`),
    promote: (choice: { variant: string; force: boolean }) =>
      act('promote', () => promoteExperiment(api, name, choice.force ? choice : { variant: choice.variant }), (v) => `${name}: ${v.status.promoted?.variant ?? choice.variant} promoted`),
  };
}

/** One experiment: its result, allocation, users and report tables, with Stop and Promote. */
export function ExperimentDetail({ name }: { readonly name: string }) {
  const api = useApi();
  const data = useResource(`experiment:${name}`, () => getExperiment(api, name));
  const actions = useExperimentActions(name, data);
  const view = data.data;
  const running = view?.status.phase === 'Running';
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(data.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [running]);
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to={href('experiments')}>← All experiments</Link>
      </p>
      {data.error !== undefined && (
        <div class="panel panel-error" role="alert">
          <strong>{view === undefined ? `Could not load experiment ${name}` : 'Could not refresh the report; it may be out of date'}</strong>
          <ErrorDetails error={data.error} />
        </div>
      )}
      {view === undefined && data.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {view !== undefined && (
        <>
          <Header view={view} onStop={() => actions.setDialog('stop')} onPromote={() => actions.setDialog('promote')} />
          <Report view={view} />
          {actions.dialog === 'stop' && <StopDialog view={view} busy={actions.busy} onConfirm={(r) => void actions.stop(r)} onCancel={() => actions.setDialog(undefined)} />}
          {actions.dialog === 'promote' && <PromoteDialog view={view} busy={actions.busy} onConfirm={(c) => void actions.promote(c)} onCancel={() => actions.setDialog(undefined)} />}
        </>
      )}
    </section>
  );
}
