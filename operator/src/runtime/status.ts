// Writing a custom resource's status: a JSON merge patch to its /status subresource, so fields owned by
// someone else (the robot's progress fields) are left alone.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';

export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/** Merge-patches `status` (null values delete fields) and returns the updated object. */
export async function patchStatus<T = unknown>(
  api: CustomObjectsApi,
  ref: CustomResourceRef,
  status: Record<string, unknown>,
): Promise<T> {
  return (await api.patchNamespacedCustomObjectStatus(
    {
      group: ref.group,
      version: ref.version,
      plural: ref.plural,
      namespace: ref.namespace,
      name: ref.name,
      body: { status },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as T;
}

/** Merge-patches the object itself (metadata such as finalizers or annotations). */
export async function mergePatch<T = unknown>(
  api: CustomObjectsApi,
  ref: CustomResourceRef,
  patch: Record<string, unknown>,
): Promise<T> {
  return (await api.patchNamespacedCustomObject(
    {
      group: ref.group,
      version: ref.version,
      plural: ref.plural,
      namespace: ref.namespace,
      name: ref.name,
      body: patch,
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as T;
}
