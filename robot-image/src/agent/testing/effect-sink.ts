// Test support: an HTTP server on loopback that counts side effects the way an idempotent API would.
// Every request is recorded with its Idempotency-Key, its cookies, and when it started and ended (the
// response sent, or the client gone first: `aborted`). An effect is applied once per key; a request that
// repeats a key is a duplicate (the server would drop it). Paths:
//   POST /effect/<name>?holdMs=N   applies the effect at once, answers after N ms (a slow step)
//   POST /flaky/<name>             500 the first time a key is seen, 200 after
//   GET  /page/<name>              an HTML page; `?setCookie=v` sets the cookie sid=v
//   GET  /flaky-page/<name>        500 the first time, then an HTML page
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  method: string;
  path: string;
  key: string | null;
  cookie: string | null;
  startedAt: number;
  endedAt: number | null;
  aborted: boolean;
  status: number | null;
}

export interface EffectSink {
  url: string;
  /** host:port, for the robots' egress allow list. */
  host: string;
  requests: SinkRequest[];
  /** Requests to `path` (without the query). */
  to(path: string): SinkRequest[];
  /** Pairs of requests to `path` that were in flight at the same time. */
  overlaps(path: string): Array<[SinkRequest, SinkRequest]>;
  /** Effects applied per path: distinct Idempotency-Keys (a request without a key always counts). */
  applied(path: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startEffectSink(): Promise<EffectSink> {
  const requests: SinkRequest[] = [];
  const seenKeys = new Set<string>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://sink');
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const rec: SinkRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      key,
      cookie: req.headers.cookie ?? null,
      startedAt: Date.now(),
      endedAt: null,
      aborted: false,
      status: null,
    };
    requests.push(rec);
    const end = (status: number, body: string, headers: Record<string, string> = {}) => {
      if (rec.endedAt !== null) return;
      rec.endedAt = Date.now();
      rec.status = status;
      res.writeHead(status, { 'content-type': body.startsWith('<') ? 'text/html' : 'application/json', ...headers });
      res.end(body);
    };
    res.on('close', () => {
      if (rec.endedAt === null) {
        rec.endedAt = Date.now();
        rec.aborted = true;
      }
    });
    req.resume();
    const firstTime = (k: string) => {
      const first = !seenKeys.has(k);
      seenKeys.add(k);
      return first;
    };
    if (u.pathname.startsWith('/effect/')) {
      const hold = Number(u.searchParams.get('holdMs') ?? 0);
      setTimeout(() => end(200, JSON.stringify({ ok: true })), hold);
    } else if (u.pathname.startsWith('/flaky/')) {
      if (firstTime(`${u.pathname} ${key}`)) end(500, JSON.stringify({ error: 'try again' }));
      else end(200, JSON.stringify({ ok: true }));
    } else if (u.pathname.startsWith('/flaky-page/')) {
      if (firstTime(u.pathname)) end(500, '<html><body>try again</body></html>');
      else end(200, `<html><body><h1 id="ok">ok</h1></body></html>`);
    } else if (u.pathname.startsWith('/page/')) {
      const set = u.searchParams.get('setCookie');
      end(200, `<html><body><h1>${u.pathname}</h1></body></html>`, set ? { 'set-cookie': `sid=${set}; Path=/` } : {});
    } else end(404, JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const to = (path: string) => requests.filter((r) => r.path === path);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    to,
    overlaps(path) {
      const rs = to(path);
      const out: Array<[SinkRequest, SinkRequest]> = [];
      for (const [i, a] of rs.entries())
        for (const b of rs.slice(i + 1)) {
          const aEnd = a.endedAt ?? Infinity;
          const bEnd = b.endedAt ?? Infinity;
          if (a.startedAt < bEnd && b.startedAt < aEnd) out.push([a, b]);
        }
      return out;
    },
    applied(path) {
      const rs = to(path);
      return new Set(rs.map((r) => r.key ?? `${r.startedAt}-${Math.random()}`)).size;
    },
    reset() {
      requests.length = 0;
      seenKeys.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
