// What the operator benches share: their own API server and PostgreSQL (started here, stopped at the
// end), the CRDs, a migrated database and a namespace; timing and percentile helpers.
import { Writable } from 'node:stream';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../api/log.js';
import { applyCrds } from '../api/crds.js';
import { startKube, type RunningKube } from '../harness/kube.js';
import { createDatabase, startPostgres, type RunningPostgres } from '../harness/postgres.js';
import { migrate } from '../../migrations/index.js';

export interface BenchCluster {
  kc: KubeConfig;
  kube: RunningKube;
  pg: RunningPostgres;
  databaseUrl: string;
  namespace: string;
  stop(): Promise<void>;
}

export const quietLogger = createLogger({ name: 'bench', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

export async function startBenchCluster(opts: { controllerManager?: boolean; namespace?: string } = {}): Promise<BenchCluster> {
  const [kube, pg] = await Promise.all([startKube({ controllerManager: opts.controllerManager ?? false, log: quietLogger }), startPostgres()]);
  try {
    const databaseUrl = await createDatabase(pg.url, 'bench');
    await migrate({ databaseUrl });
    const kc = kube.kubeConfig();
    await applyCrds(kc);
    const namespace = opts.namespace ?? 'bench';
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    return {
      kc,
      kube,
      pg,
      databaseUrl,
      namespace,
      async stop() {
        await kube.stop();
        await pg.stop();
      },
    };
  } catch (err) {
    await kube.stop();
    await pg.stop();
    throw err;
  }
}

export const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** Write requests the API server served per resource (from its /metrics), e.g. {"rpajobs PATCH status": 1000}. */
export async function apiserverWrites(kc: KubeConfig, resources: string[]): Promise<Record<string, number>> {
  const { request } = await import('node:https');
  const cluster = kc.getCurrentCluster()!;
  const opts: import('node:https').RequestOptions = { method: 'GET', headers: { Accept: 'text/plain' } };
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(new URL('/metrics', cluster.server), opts, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!resources.includes(labels.resource ?? '') || !['POST', 'PATCH', 'PUT', 'DELETE'].includes(labels.verb ?? '')) continue;
    const key = `${labels.resource} ${labels.verb}${labels.subresource ? ' ' + labels.subresource : ''}`;
    counts[key] = (counts[key] ?? 0) + Number(line.split(' ').pop());
  }
  return counts;
}
