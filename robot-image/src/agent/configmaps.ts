// Reading a ConfigMap of the job's namespace through the API with the robot's service account (RBAC: `get`
// on configmaps there): the one path for healing templates (templates.ts) and upload files (configmap-files.ts).
import { ApiException, CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';

export type ConfigMapReader = (ref: { namespace: string; name: string }) => Promise<V1ConfigMap>;

/** One GET per use; a failure becomes `makeError(message, cause)` with a message a user can act on. */
export function configMapReader(kubeConfig: KubeConfig, makeError: (message: string, cause: unknown) => Error): ConfigMapReader {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async ({ namespace, name }) => {
    const where = `ConfigMap ${namespace}/${name}`;
    try {
      return await core.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      const code = err instanceof ApiException ? err.code : undefined;
      if (code === 404) throw makeError(`${where} does not exist`, err);
      if (code === 403) throw makeError(`the robot may not read ${where} (RBAC: it needs get on configmaps in ${namespace})`, err);
      throw makeError(`could not read ${where}${code ? ` (HTTP ${code})` : ''}`, err);
    }
  };
}
