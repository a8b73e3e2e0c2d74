import type { StaleFlag } from '@sluice/domain';
import { useApi } from '../app/api-context';
import { ErrorDetails } from '../app/notices';
import { href, Link, navigate } from '../app/router';
import { useResource } from '../app/use-resource';
import { ago, when } from './format';
import { staleFlags } from './flags-api';
import './flags-extra.css';

const REASONS: Readonly<Record<StaleFlag['reasons'][number], string>> = {
  'fully-on': 'fully on',
  'fully-off': 'fully off',
  unused: 'unused',
};

export const UNUSED_DAYS = [7, 14, 30, 90] as const;

function StaleRow({ item, environment }: { readonly item: StaleFlag; readonly environment: string }) {
  return (
    <tr data-flag={item.flag}>
      <th scope="row" data-label="Flag">
        <Link to={href(`flags/${encodeURIComponent(item.flag)}`, { env: environment })} class="flag-name">
          {item.flag}
        </Link>{' '}
        <span class="kind">{item.kind}</span>
      </th>
      <td data-label="Why">
        <ul class="badges">
          {item.reasons.map((r) => (
            <li key={r} class="badge badge-stale" data-reason={r}>
              {REASONS[r]}
            </li>
          ))}
        </ul>
      </td>
      <td data-label="Unchanged" class="num">
        {item.unchangedDays} d{item.expectedLifetimeDays !== undefined && <span class="muted small"> / {item.expectedLifetimeDays} d expected</span>}
      </td>
      <td data-label="Last evaluated">{item.lastEvaluatedAt === undefined ? <span class="muted">never</span> : <span title={when(item.lastEvaluatedAt)}>{ago(item.lastEvaluatedAt)}</span>}</td>
      <td data-label="What to do" class="stale-hint">
        {item.hint}
      </td>
    </tr>
  );
}

function UnusedPicker({ days, environment }: { readonly days: number; readonly environment: string }) {
  return (
    <label class="inline-field">
      <span>Unused for at least</span>
      <select value={String(days)} onChange={(e) => navigate(href('flags', { env: environment, view: 'stale', unused: e.currentTarget.value }), { replace: true })}>
        {UNUSED_DAYS.map((d) => (
          <option key={d} value={String(d)}>
            {d} days
          </option>
        ))}
      </select>
    </label>
  );
}

/** GET /flags/stale: flags that have done their job, why, and what to remove from the code. */
export function StaleFlags({ environment, days }: { readonly environment: string; readonly days: number }) {
  const api = useApi();
  const report = useResource(`stale:${days}`, () => staleFlags(api, days));
  const items = report.data?.items;
  return (
    <div class="stale">
      <div class="stale-head">
        <p class="muted summary">
          {items === undefined ? 'Loading…' : `${items.length} stale flag${items.length === 1 ? '' : 's'}`}: fully on or off for longer than their kind expects, or
          evaluated by no SDK for {days} days.
        </p>
        <UnusedPicker days={days} environment={environment} />
      </div>
      {report.error !== undefined && (
        <div class="panel panel-error" role="alert">
          <strong>Could not load the stale flags</strong>
          <ErrorDetails error={report.error} />
        </div>
      )}
      {items === undefined && report.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {items !== undefined && items.length === 0 && <div class="panel">No stale flags: every flag is still doing its job.</div>}
      {items !== undefined && items.length > 0 && (
        <table class="table stale-table">
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">Why stale</th>
              <th scope="col">Unchanged</th>
              <th scope="col">Last evaluated</th>
              <th scope="col">What to do in the code</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <StaleRow key={item.flag} item={item} environment={environment} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
