// Files an upload step takes from `file.configMapKeyRef`: a key of a ConfigMap in the job's namespace, as
// binaryData (base64) or data (text). A ConfigMap holds at most 1 MiB, so the file is small by construction.
import type { KubeConfig } from '@kubernetes/client-node';
import { configMapReader } from './configmaps.js';

export class ConfigMapFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigMapFileError';
  }
}

/** A ConfigMap key's bytes, or why there are none. Pure. */
export function fileFromConfigMap(cm: { data?: Record<string, string>; binaryData?: Record<string, string> }, key: string, where: string): Buffer {
  const binary = cm.binaryData?.[key];
  if (binary !== undefined) return Buffer.from(binary, 'base64');
  const text = cm.data?.[key];
  if (text !== undefined) return Buffer.from(text, 'utf8');
  throw new ConfigMapFileError(`${where} has no key "${key}"`);
}

export type ConfigMapFiles = (ref: { namespace: string; name: string; key: string }) => Promise<Buffer>;

export function configMapFiles(kubeConfig: KubeConfig): ConfigMapFiles {
  const read = configMapReader(kubeConfig, (message, cause) => new ConfigMapFileError(message, { cause }));
  return async ({ namespace, name, key }) => fileFromConfigMap(await read({ namespace, name }), key, `ConfigMap ${namespace}/${name}`);
}
