import { apiClient, authClient, type Me, type Provider } from '@sharedcare/client';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { ClientList } from './screens/client-list';
import { ClientPage } from './screens/client-page';
import { SignIn } from './screens/sign-in';
import { IdleWarning } from './components/idle-warning';
import { ConnectionStatus } from './components/connection-status';
import { AppContext, type AppServices, describeError, useApp } from './context';
import { Live } from './live';
import { href, useRoute } from './router';
import { Session } from './session';

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export function App() {
  const session = useMemo(() => new Session(authClient({ baseUrl: '' })), []);
  const state = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.state,
  );
  return state.status === 'signed_in' ? <SignedIn session={session} /> : <SignIn session={session} />;
}

function SignedIn({ session }: { session: Session }) {
  const api = useMemo(() => apiClient({ baseUrl: '', token: session.accessToken }), [session]);
  const [services, setServices] = useState<AppServices>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live: Live | undefined;
    let current = true;
    Promise.all([api.me(), api.providers().catch(() => ({ providers: [] as Provider[] }))]).then(
      ([me, { providers }]: [Me, { providers: Provider[] }]) => {
        if (!current) return;
        live = new Live(session, api, me.providerId);
        live.start();
        setServices({ session, api, live, me, providers: new Map(providers.map((p) => [p.providerId, p])) });
      },
      (failure: unknown) => current && setError(describeError(failure)),
    );
    const onActivity = () => session.noteActivity();
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    return () => {
      current = false;
      live?.stop();
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
    };
  }, [api, session]);

  if (error) return <p role="alert">Could not load your account: {error}</p>;
  if (!services) return <p role="status">Loading…</p>;
  return (
    <AppContext.Provider value={services}>
      <Shell />
    </AppContext.Provider>
  );
}

function Shell() {
  const route = useRoute();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <IdleWarning />
      <main id="main" tabIndex={-1}>
        {route[0] === 'clients' && route[1] ? (
          <ClientPage clientId={route[1]} tab={route[2]} rest={route.slice(3)} />
        ) : (
          <ClientList />
        )}
      </main>
    </>
  );
}

function Header() {
  const { me, session } = useApp();
  return (
    <header className="app-header">
      <a className="brand" href={href()}>
        SharedCare
      </a>
      <nav aria-label="Main">
        <a href={href()}>Clients</a>
      </nav>
      <ConnectionStatus />
      <span className="who">
        {me.displayName}
        {!me.displayName.includes(me.credential) && <span className="muted"> ({me.credential})</span>}
      </span>
      <button type="button" onClick={() => void session.signOut()}>
        Sign out
      </button>
    </header>
  );
}
