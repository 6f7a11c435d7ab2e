// Serves a demo site from a directory on 127.0.0.1, so an example job runs out of the box with no
// outside service. Static files, with two conventions: `/a/b` also finds `a/b.html` (or
// `a/b/index.html`), and any POST is an API sink that answers 201 with JSON, keyed by its
// Idempotency-Key header so a repeated request is recognised. Every request is counted.
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

export interface DemoSite {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  /** Requests so far, keyed `METHOD /path`. */
  hits(): Record<string, number>;
  /** POSTs that carried an idempotency key seen before. */
  duplicates(): number;
  /** Tests: GETs of `path` wait (counted, unanswered) until the returned function is called. */
  hold(path: string): () => void;
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a URL path names inside `root`, or null (also for paths that try to leave it). */
export function fileFor(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const base = resolve(root);
  const target = normalize(join(base, decoded));
  if (target !== base && !target.startsWith(base + sep)) return null;
  for (const candidate of [target, `${target}.html`, join(target, 'index.html')]) {
    if (!existsSync(candidate) || !statSync(candidate).isFile()) continue;
    // A symbolic link inside the folder must not serve a file outside it.
    const realBase = realpathSync(base);
    const real = realpathSync(candidate);
    return real === realBase || real.startsWith(realBase + sep) ? candidate : null;
  }
  return null;
}

/** `host` is the address to listen on (default 127.0.0.1; `aether serve --host 0.0.0.0` for a cluster's robots). */
export async function startDemoSite(opts: { dir: string; port?: number; host?: string }): Promise<DemoSite> {
  const root = resolve(opts.dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`--serve ${opts.dir}: not a directory`);
  const counters = new Map<string, number>();
  const keys = new Set<string>();
  const held = new Map<string, Promise<void>>();
  let duplicates = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    const method = req.method ?? 'GET';
    counters.set(`${method} ${path}`, (counters.get(`${method} ${path}`) ?? 0) + 1);
    if (method === 'POST' || method === 'PUT') {
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => {
        const key = req.headers['idempotency-key'];
        const repeated = typeof key === 'string' && keys.has(key);
        if (typeof key === 'string') keys.add(key);
        if (repeated) duplicates++;
        res.writeHead(repeated ? 200 : 201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: true, bytes: size, repeated }));
      });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const gate = held.get(path);
    if (gate) {
      void gate.then(() => {
        if (!res.destroyed && !res.writableEnded) serve(path, method, res);
      });
      return;
    }
    serve(path, method, res);
  });

  function serve(path: string, method: string, res: ServerResponse): void {
    const file = fileFor(root, path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    if (method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => res());
  });
  const port = (server.address() as AddressInfo).port;
  const host = !opts.host || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    hits: () => Object.fromEntries(counters),
    duplicates: () => duplicates,
    hold(path) {
      let release!: () => void;
      held.set(path, new Promise<void>((r) => (release = r)));
      return () => {
        held.delete(path);
        release();
      };
    },
    stop: () =>
      new Promise<void>((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}
