// The operator's HTTP endpoint: /metrics for Prometheus, /healthz (the process works) and /readyz
// (caches synced; leadership is not required, a standby is ready too).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named check; returns a problem description, or undefined when fine. */
export interface HealthCheck {
  name: string;
  check: () => string | undefined;
}

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  liveness?: HealthCheck[];
  readiness?: HealthCheck[];
}

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

function runChecks(checks: HealthCheck[]): { ok: boolean; body: string } {
  const failures = checks.flatMap((c) => {
    const problem = c.check();
    return problem === undefined ? [] : [`[-]${c.name} failed: ${problem}`];
  });
  return failures.length === 0 ? { ok: true, body: 'ok\n' } : { ok: false, body: failures.join('\n') + '\n' };
}

export function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    const checks = path === '/healthz' ? opts.liveness : path === '/readyz' ? opts.readiness : undefined;
    if (checks === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const result = runChecks(checks);
    res.writeHead(result.ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(result.body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
