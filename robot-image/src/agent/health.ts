// One HTTP server for the kubelet and Prometheus: /metrics, /healthz (liveness) and /readyz
// (readiness). Checks are injected by name; each answers true/false or throws (= failing).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { Registry } from 'prom-client';

export type Check = () => boolean | Promise<boolean>;

export interface ProbeReport {
  ok: boolean;
  checks: Record<string, 'ok' | string>;
}

export interface HealthServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A probe must answer even when a dependency hangs: a check slower than this counts as failing. */
const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: Check, timeoutMs: number): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`timed out after ${timeoutMs} ms`), timeoutMs);
  });
  try {
    const answer = await Promise.race([Promise.resolve().then(check), timeout]);
    if (answer === true) return 'ok';
    return typeof answer === 'string' ? answer : 'failing';
  } catch (err) {
    return `failing: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once; the probe is ok when all are. */
export async function probe(checks: Record<string, Check>, timeoutMs = CHECK_TIMEOUT_MS): Promise<ProbeReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((n) => runCheck(checks[n]!, timeoutMs)));
  const report: ProbeReport = { ok: true, checks: {} };
  names.forEach((n, i) => {
    report.checks[n] = results[i]!;
    if (results[i] !== 'ok') report.ok = false;
  });
  return report;
}

/** Readiness of the database: a round trip through the pool. */
export function postgresCheck(pool: pg.Pool): Check {
  return async () => {
    await pool.query('SELECT 1');
    return true;
  };
}

export async function startHealthServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  liveness: Record<string, Check>;
  readiness: Record<string, Check>;
  checkTimeoutMs?: number;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = async (): Promise<void> => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        const body = await opts.registry.metrics();
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body);
        return;
      }
      if (path === '/healthz' || path === '/readyz') {
        const report = await probe(path === '/healthz' ? opts.liveness : opts.readiness, opts.checkTimeoutMs);
        res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    };
    answer().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
