// Template images that a step's `image.configMapKeyRef` names: read through the API from the job's
// namespace with the robot's service account (RBAC: `get` on configmaps there), when a heal needs one.
// The key holds the PNG as binaryData, or as base64 text in data. Checked against the template caps.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
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
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async ({ namespace, name, key }) => {
    const where = `ConfigMap ${namespace}/${name}`;
    let cm;
    try {
      cm = await core.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      const code = err instanceof ApiException ? err.code : undefined;
      if (code === 404) throw new TemplateImageError(`${where} does not exist`, { cause: err });
      if (code === 403)
        throw new TemplateImageError(
          `the robot may not read ${where} (RBAC: it needs get on configmaps in ${namespace})`,
          { cause: err },
        );
      throw new TemplateImageError(`could not read ${where}${code ? ` (HTTP ${code})` : ''}`, { cause: err });
    }
    return templateFromConfigMap(cm, key, where);
  };
}
