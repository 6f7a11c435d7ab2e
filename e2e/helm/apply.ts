// Server-side apply of rendered manifests to a real API server, the way `kubectl apply --server-side` does.
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  PatchStrategy,
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

/** Applies each object in order (helm template already sorts by install order). */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[], opts: { dryRun: boolean; fieldManager?: string }): Promise<ApplyReport> {
  // A new client per call: its discovery cache must see CRDs established since the last call.
  const api = KubernetesObjectApi.makeApiClient(kc);
  const report: ApplyReport = { applied: [], skipped: [] };
  for (const obj of objects) {
    const ref = describeObject(obj);
    try {
      await api.patch(
        structuredClone(obj),
        undefined,
        opts.dryRun ? 'All' : undefined,
        opts.fieldManager ?? 'aether-chart-test',
        true,
        PatchStrategy.ServerSideApply,
      );
      report.applied.push(ref);
    } catch (err) {
      if (isUnservedKind(err)) {
        report.skipped.push({ ref, reason: `${obj.apiVersion} ${obj.kind} is not served by this API server` });
        continue;
      }
      const body = (err as { body?: unknown }).body;
      throw new Error(`applying ${ref}${opts.dryRun ? ' (dry run)' : ''} failed: ${typeof body === 'string' ? body : (err as Error).message}`, { cause: err });
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
