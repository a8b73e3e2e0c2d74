import { useEffect, useMemo, useRef } from 'preact/hooks';
import { ApiClient } from '../api/client';
import { LoginPage } from '../auth/login-page';
import { loginHref } from '../auth/return-path';
import { SessionProvider, useSessionState, type Session } from '../auth/session';
import { UserMenu } from '../auth/user-menu';
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
import { href, Link, navigate, useLocation, type Route } from './router';

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

interface HeaderProps {
  readonly route: Route;
  readonly session: Session;
  readonly actor: string;
  readonly setActor: (name: string) => void;
}

/** The brand, the pages and who acts: the signed-in person with Sign out, or (no logins) the "Acting as" field. */
function Header({ route, session, actor, setActor }: HeaderProps) {
  const { state } = session;
  const brand = (
    <Link to={href('')} class="brand">
      Sluice <span class="muted">release center</span>
    </Link>
  );
  if (state.status === 'signed-out' || (route.page === 'login' && state.status !== 'signed-in')) return <header class="top">{brand}</header>;
  return (
    <header class="top">
      {brand}
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
      {state.status === 'signed-in' ? <UserMenu me={state.me} /> : state.status === 'checking' ? null : <ActorField actor={actor} setActor={setActor} />}
    </header>
  );
}

function Page({ route, environment, query }: { readonly route: Route; readonly environment: string; readonly query: URLSearchParams }) {
  if (route.page === 'login') return <LoginPage next={query.get('next')} />;
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

/** Without a session (a 401 from whoami, any call or a stream), every page but the login goes to the login, keeping where it was. */
function useLoginRedirect(session: Session, route: Route): boolean {
  const away = session.state.status === 'signed-out' && route.page !== 'login';
  useEffect(() => {
    if (away) navigate(loginHref(location.pathname, location.search), { replace: true });
  }, [away]);
  return away;
}

/** The shell: header, navigation and the page of the current URL (or the login, when the control plane asks for one). */
export function App() {
  const { route, query } = useLocation();
  const [actor, setActor] = useActor();
  const actorRef = useRef(actor);
  actorRef.current = actor;
  const signedOut = useRef(() => {});
  // One client for the page's life; it reads the actor at each request and reports every 401.
  const api = useMemo(() => new ApiClient({ actor: () => actorRef.current, onUnauthenticated: () => signedOut.current() }), []);
  const session = useSessionState(api);
  signedOut.current = session.signedOut;
  // Signed in, the server records the session's name; the header shows it instead of the "Acting as" field.
  if (session.state.status === 'signed-in') actorRef.current = session.state.me.name;
  const away = useLoginRedirect(session, route);
  const environment = environmentParam(query.get('env'));
  return (
    <ApiContext.Provider value={api}>
      <SessionProvider session={session}>
        <NoticeProvider>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <Header route={route} session={session} actor={actor} setActor={setActor} />
          <main id="main" tabIndex={-1}>
            {/* Pages wait for whoami (one small call): no request goes out with a stale session, no button flips to disabled. */}
            {!away && (route.page === 'login' || session.state.status !== 'checking') && <Page route={route} environment={environment} query={query} />}
          </main>
        </NoticeProvider>
      </SessionProvider>
    </ApiContext.Provider>
  );
}
