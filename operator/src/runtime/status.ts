// Writing a custom resource: a JSON merge patch to its /status subresource, so fields owned by someone
// else (the robot's progress fields) are left alone, or to the object itself (finalizers, annotations).
import { MERGE_PATCH, type JsonApi } from './json-api.js';

export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/** The API path of a namespaced custom resource (or of its subresource). */
export function customResourcePath(ref: CustomResourceRef, subresource?: 'status'): string {
  const path = `/apis/${ref.group}/${ref.version}/namespaces/${encodeURIComponent(ref.namespace)}/${ref.plural}/${encodeURIComponent(ref.name)}`;
  return subresource ? `${path}/${subresource}` : path;
}

/**
 * Merge-patches `status` (null values delete fields) and returns the updated object. With
 * `resourceVersion` the write is conditional: it fails with 409 when the object changed since.
 */
export async function patchStatus<T = unknown>(
  api: JsonApi,
  ref: CustomResourceRef,
  status: Record<string, unknown>,
  opts: { resourceVersion?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const body =
    opts.resourceVersion === undefined ? { status } : { metadata: { resourceVersion: opts.resourceVersion }, status };
  return api.request<T>('PATCH', customResourcePath(ref, 'status'), body, MERGE_PATCH, opts.signal);
}

/** Merge-patches the object itself (metadata such as finalizers or annotations). */
export async function mergePatch<T = unknown>(
  api: JsonApi,
  ref: CustomResourceRef,
  patch: Record<string, unknown>,
  opts: { signal?: AbortSignal } = {},
): Promise<T> {
  return api.request<T>('PATCH', customResourcePath(ref), patch, MERGE_PATCH, opts.signal);
}
