// Installs the generated CRDs (crds/*.yaml) on a test API server and waits until they serve.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { waitFor } from '../harness/wait.js';
import { kubeRequest } from './client.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The generated CRDs, as `kubectl apply -f crds/` reads them. */
export const CRD_DIR = path.join(repo, 'crds');

interface Crd {
  metadata: { name: string; resourceVersion?: string; annotations?: Record<string, string> };
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

export async function readCrdFiles(): Promise<Crd[]> {
  const dir = CRD_DIR;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map(async (f) => parse(await readFile(path.join(dir, f), 'utf8')) as Crd));
}

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
/** Digest of the file a CRD was installed from: suites sharing one API server skip re-installing it
 * (each update makes the server compile every CEL rule again). Test-only; not in crds/. */
export const CRD_DIGEST_ANNOTATION = 'aether.dev/test-crd-digest';

function digestOf(crd: Crd): string {
  return createHash('sha256').update(JSON.stringify(crd)).digest('hex');
}

/** Creates the CRD, replaces it when its file changed, or leaves it; retries when a parallel suite raced us. */
async function installCrd(kc: KubeConfig, crd: Crd): Promise<void> {
  const name = crd.metadata.name;
  const digest = digestOf(crd);
  for (let attempt = 1; ; attempt++) {
    const existing = await kubeRequest<Crd>(kc, 'GET', `${CRD_PATH}/${name}`);
    if (existing.status === 200 && existing.body.metadata.annotations?.[CRD_DIGEST_ANNOTATION] === digest) return;
    const metadata = {
      ...crd.metadata,
      annotations: { ...crd.metadata.annotations, [CRD_DIGEST_ANNOTATION]: digest },
      ...(existing.status === 200 ? { resourceVersion: existing.body.metadata.resourceVersion } : {}),
    };
    const res =
      existing.status === 200
        ? await kubeRequest(kc, 'PUT', `${CRD_PATH}/${name}`, { ...crd, metadata })
        : await kubeRequest(kc, 'POST', CRD_PATH, { ...crd, metadata });
    if (res.status < 300) return;
    // 409: another suite created or updated it between our GET and our write.
    if (res.status !== 409 || attempt >= 5)
      throw new Error(`CRD ${name} rejected (${res.status}): ${String(res.body.message)}`);
  }
}

/** Create or replace every CRD whose file changed, then wait for each to be Established; throws with the server's message. */
export async function applyCrds(kc: KubeConfig): Promise<string[]> {
  const crds = await readCrdFiles();
  for (const crd of crds) await installCrd(kc, crd);
  for (const crd of crds) {
    const name = crd.metadata.name;
    await waitFor(
      `CRD ${name} Established`,
      async () => {
        const got = await kubeRequest<Crd>(kc, 'GET', `${CRD_PATH}/${name}`);
        return got.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }
  return crds.map((c) => c.metadata.name);
}
