// A thin raw client for API-server tests: JSON in, status code and JSON out, so a test can read the
// server's own rejection message (a Status object) and ask for server-side Tables.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function kubeRequest<T = Record<string, unknown>>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<KubeResponse<T>> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const opts: Parameters<typeof request>[1] = {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined
        ? {}
        : { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
      ...headers,
    },
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
        } catch (err) {
          reject(
            new Error(`${method} ${path}: ${res.statusCode} non-JSON response: ${text.slice(0, 500)}`, { cause: err }),
          );
        }
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

/** The API path of a namespaced custom resource collection (or one object). */
export function resourcePath(group: string, version: string, namespace: string, plural: string, name?: string): string {
  return `/apis/${group}/${version}/namespaces/${namespace}/${plural}${name ? `/${name}` : ''}`;
}
