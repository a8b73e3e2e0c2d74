import { useApi } from '../app/api-context';
import { LiveIndicator } from '../app/live-indicator';
import { ErrorDetails } from '../app/notices';
import { href, navigate, useLocation } from '../app/router';
import { useResource, type Resource } from '../app/use-resource';
import { ReleaseFilters } from './release-filters';
import { filterFromQuery, filterToQuery, loadReleases, matches, releasesOf, type Release, type ReleaseFilter, type ReleasesData } from './release-model';
import { ReleaseTable } from './release-table';
import { useLiveReload } from './use-live-reload';
import './releases.css';

function Summary({ all, shown }: { readonly all: readonly Release[] | undefined; readonly shown: number }) {
  if (all === undefined) return <p class="muted summary">Loading services…</p>;
  const active = all.filter((r) => r.active !== undefined).length;
  return (
    <p class="muted summary">
      {all.length} service{all.length === 1 ? '' : 's'}, {active} rollout{active === 1 ? '' : 's'} in progress
      {shown !== all.length && <>; {shown} shown</>}
    </p>
  );
}

/** A failed load: on the first load nothing to show; later the (kept) list may be out of date. */
export function LoadError({ resource, what }: { readonly resource: Resource<unknown>; readonly what: string }) {
  if (resource.error === undefined) return null;
  return (
    <div class="panel panel-error" role="alert">
      <strong>{resource.data === undefined ? `Could not load ${what}` : `Could not refresh ${what}; what is shown may be out of date`}</strong>
      <ErrorDetails error={resource.error} />
      <button type="button" class="button" onClick={resource.reload}>
        Try again
      </button>
    </div>
  );
}

function Body({ list, releases, filter }: { readonly list: Resource<ReleasesData>; readonly releases: readonly Release[] | undefined; readonly filter: ReleaseFilter }) {
  if (releases === undefined) return list.error === undefined ? <div class="skeleton" aria-hidden="true" /> : null;
  if (releases.length === 0) {
    return (
      <div class="panel">
        <strong>No services yet.</strong> Apply one, e.g. <code>npx sluice apply -f demo/shop.yaml</code>; it appears here at once.
      </div>
    );
  }
  const shown = releases.filter((r) => matches(r, filter));
  if (shown.length === 0) {
    return (
      <div class="panel" role="status">
        No service matches these filters. <button type="button" class="rel-link-button" onClick={() => navigate(href(''), { replace: true })}>Clear the filters</button>
      </div>
    );
  }
  return <ReleaseTable releases={shown} />;
}

/** The home page: every service, its stable version and its live rollout, followed over the event stream. */
export function ReleasesPage() {
  const api = useApi();
  const { query } = useLocation();
  const list = useResource('releases', () => loadReleases(api));
  const live = useLiveReload(list.reload);
  const filter = filterFromQuery(query);
  const releases = list.data === undefined ? undefined : releasesOf(list.data);
  const shown = releases?.filter((r) => matches(r, filter)).length ?? 0;
  return (
    <section aria-labelledby="page-title" class="rel-releases-page">
      <div class="page-head">
        <div>
          <h1 id="page-title">Releases</h1>
          <Summary all={releases} shown={shown} />
        </div>
        <LiveIndicator status={live} />
      </div>
      <ReleaseFilters filter={filter} onChange={(f) => navigate(href('', filterToQuery(f)), { replace: true })} />
      <LoadError resource={list} what="the releases" />
      <Body list={list} releases={releases} filter={filter} />
    </section>
  );
}
