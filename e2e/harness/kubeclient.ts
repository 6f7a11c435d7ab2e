// Helpers for tests that talk to the test API server: a namespace per test, ServiceAccount tokens.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeConfigForToken, kubeConfigFromFile } from './kubeconfig.js';
import { kubeconfigPath } from './testenv.js';
import { waitFor } from './wait.js';

export const TEST_NAMESPACE_LABEL = 'aether.dev/test';

/**
 * Creates a namespace with a random name (labelled aether.dev/test=true) and waits for its `default`
 * ServiceAccount, without which the API server refuses Pods.
 */
export async function freshNamespace(kc: KubeConfig, prefix = 't'): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } } });
  await waitFor(
    `ServiceAccount default in namespace ${name}`,
    async () => ((await core.readNamespacedServiceAccount({ name: 'default', namespace: name })) ? true : undefined),
    {
      timeoutMs: 60_000,
    },
  );
  return name;
}

/** Starts deleting a namespace (the namespace controller removes its content); ignores a missing one. */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name })
    .catch(() => undefined);
}

/** Creates a ServiceAccount if it does not exist yet. */
export async function ensureServiceAccount(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** A short-lived token of a ServiceAccount from the TokenRequest API (what a projected volume holds). */
export async function serviceAccountToken(
  kc: KubeConfig,
  namespace: string,
  name: string,
  opts: { expirationSeconds?: number; audiences?: string[] } = {},
): Promise<string> {
  const tr = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: opts.audiences ?? [], expirationSeconds: opts.expirationSeconds ?? 600 },
    },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return token;
}

/** A KubeConfig that acts as the ServiceAccount (same cluster as `kc`). */
export async function serviceAccountKubeConfig(kc: KubeConfig, namespace: string, name: string): Promise<KubeConfig> {
  return kubeConfigForToken(
    kc,
    await serviceAccountToken(kc, namespace, name),
    `system:serviceaccount:${namespace}:${name}`,
  );
}

/** The admin KubeConfig of the API server the integration global setup started. */
export function testKubeConfig(): KubeConfig {
  return kubeConfigFromFile(kubeconfigPath());
}
