// What the operator benches share: their own API server and PostgreSQL (started here, stopped at the
// end), the CRDs, a migrated database and a namespace; timing and percentile helpers.
import { readdirSync, readFileSync } from 'node:fs';
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
export function apiserverWrites(kc: KubeConfig, resources: string[]): Promise<Record<string, number>> {
  return apiserverRequests(kc, resources, ['POST', 'PATCH', 'PUT', 'DELETE']);
}

/** Requests of these verbs (GET, LIST, WATCH, POST, ...) the API server served per resource, from its /metrics. */
export async function apiserverRequests(kc: KubeConfig, resources: string[], verbs: string[]): Promise<Record<string, number>> {
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
    if (!resources.includes(labels.resource ?? '') || !verbs.includes(labels.verb ?? '')) continue;
    const key = `${labels.resource} ${labels.verb}${labels.subresource ? ' ' + labels.subresource : ''}`;
    counts[key] = (counts[key] ?? 0) + Number(line.split(' ').pop());
  }
  return counts;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** CPU seconds of the operator, the API server, etcd and PostgreSQL (all its processes) so far. */
export function clusterCpu(cluster: BenchCluster, operatorPid: number): Record<string, number> {
  const byName = (n: string) => cluster.kube.processes.filter((p) => p.name.includes(n)).reduce((s, p) => s + cpuSeconds(p.pid), 0);
  const children = (ppid: number) =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          const s = readFileSync(`/proc/${d}/stat`, 'utf8');
          return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
        } catch {
          return false;
        }
      })
      .map(Number);
  const pgPids = [cluster.pg.pid, ...children(cluster.pg.pid)];
  return {
    operator: cpuSeconds(operatorPid),
    apiserver: byName('apiserver'),
    etcd: byName('etcd'),
    postgres: pgPids.reduce((s, p) => s + (cpuSeconds(p) || 0), 0),
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  };
}

export function cpuDelta(before: Record<string, number>, after: Record<string, number>): string {
  return Object.keys(after)
    .map((k) => `${k} ${((after[k] ?? 0) - (before[k] ?? 0)).toFixed(1)} s`)
    .join(', ');
}
