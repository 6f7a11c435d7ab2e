// `kubectl aether ui`: the web console through the user's kubeconfig. A proxy on 127.0.0.1 serves the
// console from the Aether API server and forwards its API calls with the kubeconfig user's bearer token.
// The browser never holds that token: it signs in with a random key of this run (in the URL's fragment,
// never sent over the network), which the proxy swaps for the token. Requests without the key, or from a
// page of another origin, are refused, so no other website or local user can borrow the token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

export interface UiProxy {
  /** Open this in a browser: the console, signed in. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'authorization', 'cookie', 'origin', 'referer', 'content-length']);

const sameKey = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function refuse(res: ServerResponse, status: number, reason: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ reason, message }));
}

export async function startUiProxy(opts: { server: string; token: string; namespace: string; port?: number; host?: string }): Promise<UiProxy> {
  const key = randomBytes(24).toString('base64url');
  const upstream = opts.server.replace(/\/+$/, '');
  const host = opts.host ?? '127.0.0.1';
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (!/^\/(ui(\/|$)|api\/|openapi\.json$|$)/.test(path)) return refuse(res, 404, 'NotFound', 'the console proxy serves /ui/ and /api/ only');
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return refuse(res, 403, 'Forbidden', 'requests from another origin are refused');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
    if (path.startsWith('/api/')) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m || !sameKey(m[1]!, key)) return refuse(res, 401, 'Unauthorized', 'open the console with the URL `kubectl aether ui` printed');
      headers.authorization = `Bearer ${opts.token}`;
    }
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (Readable.toWeb(req) as unknown as BodyInit);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const up = await fetch(`${upstream}${path}`, { method: req.method!, headers, redirect: 'manual', signal: abort.signal, ...(body && { body, duplex: 'half' }) } as RequestInit);
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
    });
    res.writeHead(up.status, out);
    if (!up.body) return void res.end();
    Readable.fromWeb(up.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy()).pipe(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 502, 'BadGateway', `the Aether API server at ${upstream} did not answer: ${(err as Error).message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host}:${port}`;
  return {
    url: `${origin}/ui/#signin=${key}&namespace=${encodeURIComponent(opts.namespace)}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
