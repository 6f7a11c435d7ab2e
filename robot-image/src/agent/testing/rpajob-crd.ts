// Test support: the RpaJob CRD on the test API server, and RpaJobs to report on.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { RPAJOB } from '../reporter.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const RPAJOB_CRD_FILE = join(repoRoot, 'crds', 'rpajobs.rpa.aether.dev.yaml');

// Used only while crds/ has no generated RpaJob CRD yet: same names and status subresource,
// schema left open. (Client objects use property names: x_kubernetes_preserve_unknown_fields.) The generated CRD replaces it as soon as it exists.
const STAND_IN: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${RPAJOB.plural}.${RPAJOB.group}` },
  spec: {
    group: RPAJOB.group,
    scope: 'Namespaced',
    names: { plural: RPAJOB.plural, singular: 'rpajob', kind: 'RpaJob', listKind: 'RpaJobList' },
    versions: [
      {
        name: RPAJOB.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
              status: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
            },
          },
        },
      },
    ],
  },
};

export function rpaJobCrd(): { crd: V1CustomResourceDefinition; generated: boolean } {
  if (!existsSync(RPAJOB_CRD_FILE)) return { crd: STAND_IN, generated: false };
  // loadYaml maps wire names (x-kubernetes-*) to the client's property names; a plain YAML parse
  // would have the client drop them silently.
  return { crd: loadYaml<V1CustomResourceDefinition>(readFileSync(RPAJOB_CRD_FILE, 'utf8')), generated: true };
}

/** Creates (or replaces) the RpaJob CRD and waits until it is Established. */
export async function installRpaJobCrd(kc: KubeConfig): Promise<{ generated: boolean }> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const { crd, generated } = rpaJobCrd();
  const name = crd.metadata!.name!;
  const conflict = (err: unknown) => err instanceof ApiException && err.code === 409;
  try {
    await api.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if (!conflict(err)) throw err;
    // Replace at the version just read; another test file installing it, or the API server writing its
    // status (Established, NamesAccepted), may change it in between: read again and retry.
    for (let attempt = 1; ; attempt++) {
      const current = await api.readCustomResourceDefinition({ name });
      try {
        await api.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata!.resourceVersion! } } });
        break;
      } catch (again) {
        if (!conflict(again) || attempt >= 10) throw again;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = await api.readCustomResourceDefinition({ name });
    if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The discovery cache of the API server lags Established by a moment: wait until a list works.
  const objects = kc.makeApiClient(CustomObjectsApi);
  for (;;) {
    try {
      await objects.listClusterCustomObject({ ...RPAJOB });
      return { generated };
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A minimal valid RpaJob spec: one step on an inline workflow. */
export function minimalRpaJobSpec(pool = 'default'): Record<string, unknown> {
  return {
    pool,
    workflow: { steps: [{ id: 'open', action: 'goto', url: 'http://127.0.0.1:1/' }] },
  };
}

export async function createRpaJob(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: Record<string, unknown> = minimalRpaJobSpec(),
): Promise<{ uid: string }> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const obj = (await api.createNamespacedCustomObject({
    ...RPAJOB,
    namespace,
    body: { apiVersion: `${RPAJOB.group}/${RPAJOB.version}`, kind: 'RpaJob', metadata: { name }, spec },
  })) as { metadata: { uid: string } };
  return { uid: obj.metadata.uid };
}

export async function readRpaJobStatus(kc: KubeConfig, namespace: string, name: string): Promise<Record<string, unknown> | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const obj = (await api.getNamespacedCustomObject({ ...RPAJOB, namespace, name })) as { status?: Record<string, unknown> };
  return obj.status;
}
