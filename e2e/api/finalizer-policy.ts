// Installs Aether's RpaJob finalizer policy (api/admission) on a test API server, as the chart does, and
// waits until the API server applies it (policies take effect through an informer, about a second later).
import type { KubeConfig } from '@kubernetes/client-node';
import { MAP_API_VERSIONS, rpaJobFinalizerPolicy, type MapApiVersion } from '../../api/admission/finalizer-policy.js';
import { API_VERSION, RPAJOB_FINALIZER } from '../../api/v1alpha1/index.js';
import { NOOP_WORKFLOW } from '../../api/queue/fixtures.js';
import { waitFor } from '../harness/wait.js';
import { kubeRequest } from './client.js';

/** The newest MutatingAdmissionPolicy API version the server serves, or undefined. */
export async function servedMapVersion(kc: KubeConfig): Promise<MapApiVersion | undefined> {
  for (const v of MAP_API_VERSIONS) {
    const r = await kubeRequest<{ resources?: Array<{ name: string }> }>(kc, 'GET', `/apis/${v}`);
    if (r.status === 200 && r.body.resources?.some((x) => x.name === 'mutatingadmissionpolicies')) return v;
  }
  return undefined;
}

export interface InstalledPolicy {
  name: string;
  apiVersion: MapApiVersion;
  remove(): Promise<void>;
}

/** Creates the policy and binding for `namespaces` and returns once a dry-run RpaJob create in the first
 * of them comes back with the finalizer. */
export async function installFinalizerPolicy(kc: KubeConfig, opts: { name: string; namespaces: string[] }): Promise<InstalledPolicy> {
  const apiVersion = await servedMapVersion(kc);
  if (!apiVersion) throw new Error('the API server serves no MutatingAdmissionPolicy API (see e2e/harness/kube.ts flags)');
  const [policy, binding] = rpaJobFinalizerPolicy({ apiVersion, name: opts.name, namespaces: opts.namespaces });
  const base = `/apis/${apiVersion}`;
  for (const [obj, plural] of [
    [policy, 'mutatingadmissionpolicies'],
    [binding, 'mutatingadmissionpolicybindings'],
  ] as const) {
    const r = await kubeRequest(kc, 'POST', `${base}/${plural}`, obj);
    if (r.status >= 300 && r.status !== 409) throw new Error(`${obj.kind} rejected (${r.status}): ${String(r.body.message)}`);
  }
  const ns = opts.namespaces[0]!;
  await waitFor(
    `finalizer policy ${opts.name} in effect`,
    async () => {
      const r = await kubeRequest<{ metadata?: { finalizers?: string[] } }>(kc, 'POST', `/apis/${API_VERSION}/namespaces/${ns}/rpajobs?dryRun=All`, {
        apiVersion: API_VERSION,
        kind: 'RpaJob',
        metadata: { name: 'finalizer-policy-probe' },
        spec: { pool: 'probe', workflow: NOOP_WORKFLOW },
      });
      return r.body.metadata?.finalizers?.includes(RPAJOB_FINALIZER) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return {
    name: opts.name,
    apiVersion,
    async remove() {
      await kubeRequest(kc, 'DELETE', `${base}/mutatingadmissionpolicybindings/${opts.name}`);
      await kubeRequest(kc, 'DELETE', `${base}/mutatingadmissionpolicies/${opts.name}`);
    },
  };
}
