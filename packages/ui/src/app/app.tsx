import { useMemo, useRef } from 'preact/hooks';
import { ApiClient } from '../api/client';
import { DEFAULT_ENVIRONMENT } from '../flags/environments';
import { FlagDetail } from '../flags/flag-detail';
import { FlagsPage } from '../flags/flags-page';
import { AuditPage } from '../audit/audit-page';
import { ExperimentsPage } from '../experiments/experiments-page';
import { MigrationsPage } from '../migrations/migrations-page';
import { ReleasesPage } from '../releases/releases-page';
import { RolloutPage } from '../rollout/rollout-page';
import { ServicePage } from '../service/service-page';
import { useActor } from './actor';
import { ApiContext } from './api-context';
import { NoticeProvider } from './notices';
import { href, Link, useLocation, type Route } from './router';

/** The `?env=` of the URL when it is an environment name (as the API accepts them), else production. */
function environmentParam(raw: string | null): string {
  return raw !== null && /^[a-z][a-z0-9-]{0,62}$/.test(raw) ? raw : DEFAULT_ENVIRONMENT;
}

/** The pages in the navigation; a rollout's page is under Releases, a service's history too. */
const PAGES: readonly { readonly page: Route['page']; readonly path: string; readonly title: string; readonly also?: readonly Route['page'][] }[] = [
  { page: 'releases', path: '', title: 'Releases', also: ['rollout', 'service'] },
  { page: 'flags', path: 'flags', title: 'Flags' },
  { page: 'experiments', path: 'experiments', title: 'Experiments' },
  { page: 'migrations', path: 'migrations', title: 'Migrations' },
  { page: 'audit', path: 'audit', title: 'Audit log' },
];

function ActorField({ actor, setActor }: { readonly actor: string; readonly setActor: (name: string) => void }) {
  return (
    <label class="actor">
      <span>Acting as</span>
      <input type="text" name="actor" maxLength={100} autoComplete="username" value={actor} onChange={(e) => setActor(e.currentTarget.value)} />
    </label>
  );
}

function Header({ route, actor, setActor }: { readonly route: Route; readonly actor: string; readonly setActor: (name: string) => void }) {
  return (
    <header class="top">
      <Link to={href('')} class="brand">
        Sluice <span class="muted">release center</span>
      </Link>
      <nav aria-label="Pages">
        <ul>
          {PAGES.map((p) => (
            <li key={p.page}>
              <Link to={href(p.path)} aria-current={route.page === p.page || (p.also?.includes(route.page) ?? false) ? 'page' : undefined}>
                {p.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <ActorField actor={actor} setActor={setActor} />
    </header>
  );
}

function Page({ route, environment }: { readonly route: Route; readonly environment: string }) {
  if (route.page === 'not-found') {
    return (
      <section class="panel">
        <h1>Not found</h1>
        <p>
          There is no page at <code>{route.path}</code>. <Link to={href('')}>Go to the releases</Link>.
        </p>
      </section>
    );
  }
  switch (route.page) {
    case 'releases':
      return <ReleasesPage />;
    case 'rollout':
      return <RolloutPage key={route.name} name={route.name} />;
    case 'service':
      return <ServicePage key={route.name} name={route.name} />;
    case 'experiments':
      return <ExperimentsPage key={route.name ?? ''} name={route.name} />;
    case 'migrations':
      return <MigrationsPage />;
    case 'audit':
      return <AuditPage />;
    case 'flags':
      if (route.flag !== undefined) return <FlagDetail key={route.flag} name={route.flag} environment={environment} />;
      return <FlagsPage environment={environment} />;
  }
}

/** The shell: header, navigation and the page of the current URL. */
export function App() {
  const { route, query } = useLocation();
  const [actor, setActor] = useActor();
  const actorRef = useRef(actor);
  actorRef.current = actor;
  // One client for the page's life; it reads the actor at each request.
  const api = useMemo(() => new ApiClient({ actor: () => actorRef.current }), []);
  const environment = environmentParam(query.get('env'));
  return (
    <ApiContext.Provider value={api}>
      <NoticeProvider>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <Header route={route} actor={actor} setActor={setActor} />
        <main id="main" tabIndex={-1}>
          <Page route={route} environment={environment} />
        </main>
      </NoticeProvider>
    </ApiContext.Provider>
  );
}
