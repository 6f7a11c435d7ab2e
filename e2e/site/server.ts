// A local web site for robot tests and benches, served on 127.0.0.1: login with a session cookie,
// a three-page form kept server-side per session, a table, late elements, flaky and failing pages,
// and a counter per endpoint so a test can prove an action ran exactly once.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleFiles, type ReceivedUpload } from './files.js';
import {
  donePage,
  formPage,
  homePage,
  latePage,
  loginPage,
  messagePage,
  PAGE_COUNT,
  pagedListPage,
  tablePage,
  type FormValues,
} from './html.js';
import { browserPage, type BrowserPageAnswer } from './browser-pages.js';

export const DEFAULT_USERS: Readonly<Record<string, string>> = { alice: 'wonderland-7Q!x' };

export interface TestSite {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  /** Requests per endpoint, keyed `METHOD /path` (`GET /flaky?key=k` for flaky pages). */
  hits(): Record<string, number>;
  /** Forgets counters, sessions and flaky-page state. */
  reset(): void;
  stop(): Promise<void>;
}

interface Session {
  user: string;
  form: FormValues;
  formPagesDone: number;
  confirmation?: string;
}

/** The confirmation number depends only on what was submitted, so two runs of one job agree. */
export function confirmationNumber(user: string, v: FormValues): string {
  const h = createHash('sha256')
    .update([user, v.fullName, v.email, v.plan, v.terms ? 'yes' : 'no', v.notes].join('\u0000'))
    .digest('hex');
  return 'CNF-' + h.slice(0, 10).toUpperCase();
}

export async function startTestSite(opts: { users?: Record<string, string> } = {}): Promise<TestSite> {
  const users = opts.users ?? DEFAULT_USERS;
  const counters = new Map<string, number>();
  const sessions = new Map<string, Session>();
  const flaky = new Map<string, number>();
  const uploads: ReceivedUpload[] = [];

  const count = (key: string) => counters.set(key, (counters.get(key) ?? 0) + 1);

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, messagePage('Error', String(err))));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://site');
    const method = req.method ?? 'GET';
    const path = u.pathname;
    count(path === '/flaky' ? `${method} /flaky?key=${u.searchParams.get('key') ?? ''}` : `${method} ${path}`);
    // Before the body is read as a form: uploads are multipart.
    if (path.startsWith('/files') && (await handleFiles(req, res, u, uploads))) return;
    const body = method === 'POST' ? new URLSearchParams(await readBody(req)) : new URLSearchParams();
    const session = sessionOf(req);

    // Pages anyone may see. (The favicon must not bounce through /login and skew its counter.)
    if (path === '/favicon.ico') {
      res.writeHead(204, { 'cache-control': 'max-age=3600' });
      return void res.end();
    }
    if (method === 'GET' && path === '/hits') return sendJson(res, 200, Object.fromEntries(counters));
    if (method === 'GET' && path === '/login')
      return send(res, 200, loginPage(undefined, u.searchParams.get('next') ?? undefined));
    if (method === 'POST' && path === '/login') {
      const username = body.get('username') ?? '';
      const password = body.get('password') ?? '';
      if (users[username] === undefined || users[username] !== password) {
        return send(res, 401, loginPage('Wrong username or password', body.get('next') ?? undefined));
      }
      const sid = randomBytes(16).toString('hex');
      sessions.set(sid, { user: username, form: {}, formPagesDone: 0 });
      const next = safeNext(body.get('next'));
      return redirect(res, next, `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    }
    if (method === 'GET' && path === '/flaky') {
      const key = u.searchParams.get('key') ?? '';
      const fails = Number(u.searchParams.get('fails') ?? '1');
      const seen = (flaky.get(key) ?? 0) + 1;
      flaky.set(key, seen);
      if (seen <= fails) return send(res, 503, messagePage('Unavailable', `Try again (attempt ${seen})`));
      return send(res, 200, messagePage('Flaky page', `Worked on attempt ${seen}`));
    }
    if (path === '/fail') return send(res, 500, messagePage('Server error', 'This page always fails'));
    const browserAnswer = method === 'GET' ? browserPage(req, u) : undefined;
    if (browserAnswer) return sendBrowserPage(res, browserAnswer);
    if (path === '/api/echo') {
      const raw = method === 'POST' ? body.toString() : '';
      return sendJson(res, 200, { method, query: Object.fromEntries(u.searchParams), body: raw });
    }

    if (method === 'POST' && path === '/browser/tab-child/send')
      return redirect(res, `/browser/tab-child?n=${Number(u.searchParams.get('n') ?? '1')}&sent=1`);

    const paged = /^\/pages\/(\d+)(\/ack)?$/.exec(path);
    if (paged && Number(paged[1]) >= 1 && Number(paged[1]) <= PAGE_COUNT) {
      if (method === 'POST' && paged[2]) return redirect(res, `/pages/${paged[1]}`);
      if (method === 'GET' && !paged[2]) return send(res, 200, pagedListPage(Number(paged[1])));
    }

    // Everything else needs a session.
    if (!session) return redirect(res, `/login?next=${encodeURIComponent(path + u.search)}`);
    const user = session.user;
    if (method === 'GET' && (path === '/' || path === '/home')) return send(res, 200, homePage(user));
    if (method === 'POST' && path === '/logout') {
      for (const [sid, s] of sessions) if (s === session) sessions.delete(sid);
      return redirect(res, '/login', 'sid=; Path=/; Max-Age=0');
    }
    const formMatch = /^\/form\/([123])$/.exec(path);
    if (formMatch) {
      const page = Number(formMatch[1]);
      // Pages must be filled in order, as on a real multi-page form.
      if (page > session.formPagesDone + 1) return redirect(res, `/form/${session.formPagesDone + 1}`);
      if (method === 'GET') return send(res, 200, formPage(page, session.form, user));
      if (method === 'POST') {
        Object.assign(session.form, formFields(page, body));
        session.formPagesDone = Math.max(session.formPagesDone, page);
        if (page < 3) return redirect(res, `/form/${page + 1}`);
        session.confirmation = confirmationNumber(user, session.form);
        return redirect(res, '/form/done');
      }
    }
    if (method === 'GET' && path === '/form/done') {
      if (!session.confirmation) return redirect(res, `/form/${session.formPagesDone + 1}`);
      return send(res, 200, donePage(session.confirmation, session.form, user));
    }
    if (method === 'GET' && path === '/table') return send(res, 200, tablePage(user));
    if (method === 'GET' && path === '/late')
      return send(res, 200, latePage(Number(u.searchParams.get('delay') ?? 800), user));
    if (method === 'POST' && path === '/late/click') return sendJson(res, 200, { ok: true });
    return send(res, 404, messagePage('Not found', `No page at ${path}`, user));
  }

  function sessionOf(req: IncomingMessage): Session | undefined {
    const sid = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    return sid ? sessions.get(sid) : undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => Object.fromEntries(counters),
    reset() {
      counters.clear();
      sessions.clear();
      flaky.clear();
      uploads.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function formFields(page: number, body: URLSearchParams): FormValues {
  if (page === 1)
    return { fullName: body.get('fullName') ?? '', email: body.get('email') ?? '', token: body.get('token') ?? '' };
  if (page === 2) return { plan: body.get('plan') ?? '', terms: body.get('terms') === 'yes' };
  return { notes: body.get('notes') ?? '' };
}

/** Only same-site paths, so the login form cannot be turned into an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/home';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function sendBrowserPage(res: ServerResponse, a: BrowserPageAnswer): void {
  if (a.json !== undefined) return sendJson(res, a.status, a.json);
  res.writeHead(a.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...a.headers });
  res.end(a.html ?? '');
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(303, { location, ...(cookie ? { 'set-cookie': cookie } : {}), 'cache-control': 'no-store' });
  res.end();
}
