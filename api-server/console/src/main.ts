// The Aether web console: sign-in with a Kubernetes token, then the pages of one namespace, routed by the
// URL's hash. The token stays in this tab's sessionStorage and only ever goes to the page's own origin.
import { h, render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, clearSession, getJson, loadSession, saveSession, type Session } from './api.js';
import { LiveStream } from './events.js';
import { JobPage } from './pages/job.js';
import { JobsPage } from './pages/jobs.js';
import { OverviewPage } from './pages/overview.js';
import { QueuePage, QueuesPage } from './pages/queues.js';
import { RobotsPage } from './pages/robots.js';
import { WorkflowPage, WorkflowsPage } from './pages/workflows.js';
import type { AccessReview } from './types.js';
import { signInFromUrl } from './signin-link.js';
import { Ctx, type AppContext } from './ui.js';

function SignIn({ onSignedIn, initialError }: { onSignedIn: (s: Session, a: AccessReview) => void; initialError?: string }) {
  const [token, setToken] = useState('');
  const [namespace, setNamespace] = useState(new URLSearchParams(location.search).get('namespace') ?? 'default');
  const [error, setError] = useState(initialError ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const s = { token: token.trim(), namespace: namespace.trim() };
    try {
      const access = await getJson<AccessReview>(s, '/access');
      saveSession(s);
      onSignedIn(s, access);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'The Kubernetes API server did not accept this token.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return h(
    'main',
    { class: 'signin' },
    h('h1', null, 'Aether console'),
    h(
      'form',
      { onSubmit: submit, 'aria-describedby': 'signin-help' },
      h('p', { id: 'signin-help' }, 'Sign in with a Kubernetes bearer token (e.g. ', h('code', null, 'kubectl create token <serviceaccount>'), '). It is kept in this tab only.'),
      h('label', { for: 'token' }, 'Token'),
      h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, value: token, onInput: (e: Event) => setToken((e.target as HTMLInputElement).value) }),
      h('label', { for: 'namespace' }, 'Namespace'),
      h('input', { id: 'namespace', name: 'namespace', required: true, value: namespace, onInput: (e: Event) => setNamespace((e.target as HTMLInputElement).value) }),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      h('button', { type: 'submit', disabled: busy }, busy ? 'Signing in…' : 'Sign in'),
    ),
  );
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

const NAV = [
  ['#/overview', 'Overview'],
  ['#/jobs', 'Jobs'],
  ['#/queues', 'Queues'],
  ['#/workflows', 'Workflows'],
  ['#/robots', 'Robots'],
] as const;

function route(hash: string) {
  const [path, query] = (hash.replace(/^#/, '') || '/overview').split('?') as [string, string | undefined];
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const uid = new URLSearchParams(query ?? '').get('uid') ?? undefined;
  switch (parts[0]) {
    case 'jobs':
      return parts[1] ? h(JobPage, { name: parts[1], ...(uid && { uid }) }) : h(JobsPage, null);
    case 'queues':
      return parts[1] ? h(QueuePage, { queue: parts[1] }) : h(QueuesPage, null);
    case 'workflows':
      return parts[1] ? h(WorkflowPage, { name: parts[1] }) : h(WorkflowsPage, null);
    case 'robots':
      return h(RobotsPage, null);
    default:
      return h(OverviewPage, null);
  }
}

function Shell({ session, access, onSignOut }: { session: Session; access: AccessReview; onSignOut: () => void }) {
  const hash = useHash();
  const [message, setMessage] = useState('');
  const [connected, setConnected] = useState(false);
  const live = useMemo(() => new LiveStream(session), [session]);
  useEffect(() => {
    live.onState = setConnected;
    live.start();
    return () => live.stop();
  }, [live]);
  const ctx: AppContext = useMemo(() => ({ session, access: access.allowed, reasons: access.reasons ?? {}, live, announce: setMessage }), [session, access, live]);
  const current = (hash.replace(/^#/, '') || '/overview').split(/[/?]/)[1] ?? 'overview';
  return h(
    Ctx.Provider,
    { value: ctx },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      null,
      h('span', { class: 'brand' }, 'Aether'),
      h(
        'nav',
        { 'aria-label': 'Pages' },
        ...NAV.map(([href, label]) => h('a', { href, 'aria-current': href.slice(2) === current ? 'page' : undefined }, label)),
      ),
      h(
        'span',
        { class: 'who' },
        h('span', { class: `dot ${connected ? 'on' : ''}`, role: 'status', 'aria-label': connected ? 'Live updates on' : 'Live updates off', title: connected ? 'Live' : 'Reconnecting' }),
        `${access.username} · ${session.namespace} `,
        h('button', { type: 'button', onClick: onSignOut }, 'Sign out'),
      ),
    ),
    h('div', { class: 'status', role: 'status', 'aria-live': 'polite' }, message),
    h('main', { id: 'main', tabIndex: -1 }, route(hash)),
  );
}

function App({ linkError }: { linkError?: string }) {
  const [state, setState] = useState<{ session: Session; access: AccessReview } | null>(null);
  const [restoring, setRestoring] = useState(true);
  const [error, setError] = useState<string | undefined>(linkError);
  useEffect(() => {
    const s = loadSession();
    if (!s) return setRestoring(false);
    getJson<AccessReview>(s, '/access').then(
      (access) => (setState({ session: s, access }), setRestoring(false)),
      (err: Error) => (clearSession(), setError(`Signed out: ${err.message}`), setRestoring(false)),
    );
  }, []);
  if (restoring) return h('p', { class: 'muted' }, 'Loading…');
  if (!state) return h(SignIn, { onSignedIn: (session, access) => setState({ session, access }), ...(error && { initialError: error }) });
  return h(Shell, {
    session: state.session,
    access: state.access,
    onSignOut: () => {
      clearSession();
      setState(null);
    },
  });
}

void signInFromUrl()
  .catch((err: Error) => err.message)
  .then((linkError) => render(h(App, { ...(linkError !== undefined && { linkError }) }), document.getElementById('app')!));
