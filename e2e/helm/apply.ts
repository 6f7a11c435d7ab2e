// Server-side apply of rendered manifests to a real API server, the way `kubectl apply --server-side` does.
import { request, type RequestOptions } from 'node:https';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { waitFor } from '../harness/wait.js';

export interface ApplyReport {
  applied: string[];
  /** Objects whose kind the API server does not serve (e.g. monitoring.coreos.com without the Prometheus Operator). */
  skipped: Array<{ ref: string; reason: string }>;
}

export const describeObject = (o: KubernetesObject) =>
  `${o.kind}/${o.metadata?.namespace ? o.metadata.namespace + '/' : ''}${o.metadata?.name ?? '?'}`;

function isUnservedKind(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /Unrecognized API version and kind|Failed to fetch resource metadata/.test(msg);
}

/** Exposes the URL path the client derives from discovery (plural, namespaced or not). */
class ResourcePaths extends KubernetesObjectApi {
  path(obj: KubernetesObject): Promise<string> {
    return this.specUriPath(obj, 'patch');
  }
}

/**
 * One server-side apply request with the manifest sent as it is. (KubernetesObjectApi.patch would
 * re-serialise built-in kinds through its typed models, which drops wire-named fields such as
 * `x-kubernetes-validations` or `enum` inside a CRD's schema.)
 */
async function serverSideApply(kc: KubeConfig, path: string, obj: KubernetesObject, opts: { dryRun: boolean; fieldManager: string }): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const query = new URLSearchParams({ fieldManager: opts.fieldManager, force: 'true', ...(opts.dryRun ? { dryRun: 'All' } : {}) });
  const url = new URL(`${path}?${query}`, cluster.server);
  const options: RequestOptions = { method: 'PATCH', headers: { 'Content-Type': 'application/apply-patch+yaml', Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const body = JSON.stringify(obj); // JSON is YAML
  await new Promise<void>((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new ApplyError(res.statusCode ?? 0, text))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class ApplyError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    // CRD rejections list every failing rule; the first few kB say what is wrong.
    super(`HTTP ${code}: ${body.length > 4000 ? body.slice(0, 4000) + ' ...' : body}`);
    this.name = 'ApplyError';
  }
}

/** Applies each object in order (helm template already sorts by install order). */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[], opts: { dryRun: boolean; fieldManager?: string }): Promise<ApplyReport> {
  // A new client per call: its discovery cache must see CRDs established since the last call.
  const paths = kc.makeApiClient(ResourcePaths);
  const report: ApplyReport = { applied: [], skipped: [] };
  for (const obj of objects) {
    const ref = describeObject(obj);
    let path: string;
    try {
      path = await paths.path(structuredClone(obj));
    } catch (err) {
      if (!isUnservedKind(err)) throw err;
      report.skipped.push({ ref, reason: `${obj.apiVersion} ${obj.kind} is not served by this API server` });
      continue;
    }
    try {
      await serverSideApply(kc, path, obj, { dryRun: opts.dryRun, fieldManager: opts.fieldManager ?? 'aether-chart-test' });
      report.applied.push(ref);
    } catch (err) {
      throw new Error(`applying ${ref}${opts.dryRun ? ' (dry run)' : ''} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return report;
}

/** Waits until every CRD among `objects` reports Established, so its kind can be used. */
export async function waitForCrdsEstablished(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const name = crd.metadata!.name!;
    await waitFor(`CRD ${name} Established`, async () => {
      const got: V1CustomResourceDefinition = await api.readCustomResourceDefinition({ name });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
}

/** Deletes cluster-scoped objects (namespaced ones go with their namespace); ignores missing ones. */
export async function deleteClusterScoped(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects.filter((x) => !x.metadata?.namespace && x.kind !== 'CustomResourceDefinition')) {
    await api.delete(o).catch(() => undefined);
  }
}
