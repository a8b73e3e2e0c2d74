import { useApi } from '../app/api-context';
import { ErrorDetails } from '../app/notices';
import { href, Link } from '../app/router';
import { useResource } from '../app/use-resource';
import { ago, when } from '../flags/format';
import { listExperiments, type ExperimentView } from './experiments-api';
import { count } from './format';
import './experiments.css';

function Row({ view }: { readonly view: ExperimentView }) {
  const { report, status } = view;
  return (
    <tr data-experiment={view.name}>
      <th scope="row" data-label="Experiment">
        <Link to={href(`experiments/${encodeURIComponent(view.name)}`)} class="flag-name">
          {view.name}
        </Link>
        <span class="muted flag-description">
          {view.spec.service !== undefined ? `service ${view.spec.service}` : 'flag variants'}, primary {report.primaryMetric}
        </span>
      </th>
      <td data-label="Phase">
        <span class={`kind phase-${status.phase.toLowerCase()}`}>{status.phase}</span>
      </td>
      <td data-label="Variants">{view.spec.variants.map((v) => `${v.name} ${v.weight}%`).join(' / ')}</td>
      <td data-label="Users" class="num">
        {count(view.users)}
      </td>
      <td data-label="Result">
        {report.result}
        {report.winner !== null && <strong> {report.winner}</strong>}
        {report.srm.flagged && <span class="badge badge-srm"> SRM</span>}
      </td>
      <td data-label="Started">
        <span title={when(status.startedAt)}>{ago(status.startedAt)}</span>
      </td>
    </tr>
  );
}

/** Every experiment: phase, split, users and result at a glance. */
export function ExperimentList() {
  const api = useApi();
  const list = useResource('experiments', () => listExperiments(api));
  const items = list.data;
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <div>
          <h1 id="page-title">Experiments</h1>
          <p class="muted summary">{items === undefined ? 'Loading experiments…' : `${items.length} experiment${items.length === 1 ? '' : 's'}, ${items.filter((i) => i.status.phase === 'Running').length} running`}</p>
        </div>
      </div>
      {list.error !== undefined && (
        <div class="panel panel-error" role="alert">
          <strong>Could not load the experiments</strong>
          <ErrorDetails error={list.error} />
          <button type="button" class="button" onClick={list.reload}>
            Try again
          </button>
        </div>
      )}
      {items === undefined && list.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {items !== undefined && items.length === 0 && (
        <div class="panel">
          <strong>No experiments yet.</strong> Apply one (<code>kind: Experiment</code>, see the README's Experiments) and send events to <code>POST /api/v1/events</code>.
        </div>
      )}
      {items !== undefined && items.length > 0 && (
        <table class="table experiment-table">
          <thead>
            <tr>
              {['Experiment', 'Phase', 'Variants', 'Users', 'Result', 'Started'].map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <Row key={v.name} view={v} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
