// Work queue keys: "namespace/name" (or "name" for cluster-scoped objects).
import type { KubernetesObject } from '@kubernetes/client-node';

export interface ObjectKey {
  namespace: string;
  name: string;
}

export function keyOf(ref: { namespace?: string; name?: string }): string {
  return ref.namespace ? `${ref.namespace}/${ref.name ?? ''}` : (ref.name ?? '');
}

export function objectKey(obj: KubernetesObject): string {
  return keyOf({ namespace: obj.metadata?.namespace, name: obj.metadata?.name });
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
