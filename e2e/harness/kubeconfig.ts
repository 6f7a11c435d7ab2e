// Kubeconfig files for the test control plane and KubeConfig objects for @kubernetes/client-node.
import { readFileSync, writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export type Credentials = { clientCert: string; clientKey: string } | { token: string };

const b64 = (file: string) => readFileSync(file).toString('base64');

/** Writes a kubeconfig (JSON, which every kubeconfig reader accepts) with one context named "aether-test". */
export function writeKubeconfig(
  path: string,
  opts: { server: string; caFile: string; user: string; credentials: Credentials },
): void {
  const user =
    'token' in opts.credentials
      ? { token: opts.credentials.token }
      : {
          'client-certificate-data': b64(opts.credentials.clientCert),
          'client-key-data': b64(opts.credentials.clientKey),
        };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'aether-test', cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caFile) } },
    ],
    users: [{ name: opts.user, user }],
    contexts: [{ name: 'aether-test', context: { cluster: 'aether-test', user: opts.user } }],
    'current-context': 'aether-test',
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}

export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The same cluster as `kc`, authenticated with a bearer token (e.g. a ServiceAccount token). */
export function kubeConfigForToken(kc: KubeConfig, token: string, user = 'token-user'): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const out = new KubeConfig();
  out.loadFromClusterAndUser(cluster, { name: user, token });
  return out;
}
