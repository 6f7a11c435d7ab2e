// Template images that a step's `image.configMapKeyRef` names: read through the API from the job's
// namespace with the robot's service account (RBAC: `get` on configmaps there), when a heal needs one.
// The key holds the PNG as binaryData, or as base64 text in data. Checked against the template caps.
import type { KubeConfig } from '@kubernetes/client-node';
import { configMapReader } from './configmaps.js';
import { templateImageProblem } from '../../../api/v1alpha1/png-header.js';

export class TemplateImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateImageError';
  }
}

/** A ConfigMap key's value as a base64 PNG template, or why it is not one. Pure. */
export function templateFromConfigMap(
  cm: { data?: Record<string, string>; binaryData?: Record<string, string> },
  key: string,
  where: string,
): string {
  const raw = cm.binaryData?.[key] ?? cm.data?.[key];
  if (raw === undefined) throw new TemplateImageError(`${where} has no key "${key}"`);
  const base64 = raw.replace(/\s+/g, '');
  const problem = templateImageProblem(base64);
  if (problem) throw new TemplateImageError(`${where} key "${key}": ${problem}`);
  return base64;
}

/** The cluster's source of `configMapKeyRef` templates: one GET per use (heals are rare). */
export function configMapTemplates(
  kubeConfig: KubeConfig,
): (ref: { namespace: string; name: string; key: string }) => Promise<string> {
  const read = configMapReader(kubeConfig, (message, cause) => new TemplateImageError(message, { cause }));
  return async ({ namespace, name, key }) => templateFromConfigMap(await read({ namespace, name }), key, `ConfigMap ${namespace}/${name}`);
}
