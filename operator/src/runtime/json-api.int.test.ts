// The lean JSON client against the real API server: writes and reads what the generated client does,
// conditional writes fail with 409 and missing objects with 404 (as api-errors.ts reads them), and the
// fields it writes are filed under the same manager as the generated client's.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { httpStatus, isConflict, isNotFound } from './api-errors.js';
import { ApiRequestError, JsonApi, MERGE_PATCH } from './json-api.js';

describe('JsonApi', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let api: JsonApi;
  let ns: string;
  const path = (name?: string) => `/api/v1/namespaces/${ns}/configmaps${name ? `/${name}` : ''}`;

  beforeAll(async () => {
    kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    api = new JsonApi(kc);
    ns = await freshNamespace(kc, 'jsonapi');
  });
  afterAll(async () => {
    await deleteNamespace(kc, ns);
  });

  it('creates, merge-patches and reads an object; the generated client sees the same', async () => {
    const created = await api.request<V1ConfigMap>('POST', path(), { metadata: { name: 'a' }, data: { x: '1' } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const patched = await api.request<V1ConfigMap>('PATCH', path('a'), { data: { y: '2', x: null } }, MERGE_PATCH);
    expect(patched.data).toEqual({ y: '2' });
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const read = await core.readNamespacedConfigMap({ namespace: ns, name: 'a' });
    expect(read.data).toEqual({ y: '2' });
    expect(read.metadata?.resourceVersion).toBe(patched.metadata?.resourceVersion);
    expect((await api.request<V1ConfigMap>('GET', path('a'))).data).toEqual({ y: '2' });
  });

  it('a missing object is a 404 with the Status from the server', async () => {
    const err = await api.request('GET', path('missing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(isNotFound(err)).toBe(true);
    expect((err as ApiRequestError).body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    expect((err as Error).message).toContain('"missing" not found');
  });

  it('a write conditional on a stale resourceVersion is a 409; an existing name too', async () => {
    const created = await api.request<V1ConfigMap>('POST', path(), { metadata: { name: 'b' }, data: { x: '1' } });
    await api.request('PATCH', path('b'), { data: { x: '2' } }, MERGE_PATCH);
    const stale = await api
      .request(
        'PATCH',
        path('b'),
        { metadata: { resourceVersion: created.metadata?.resourceVersion }, data: { x: '3' } },
        MERGE_PATCH,
      )
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    const again = await api.request('POST', path(), { metadata: { name: 'b' } }).catch((e: unknown) => e);
    expect(httpStatus(again)).toBe(409);
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: 'b' })).data).toEqual({ x: '2' });
  });

  it('files its fields under the same field manager as the generated client', async () => {
    await api.request('POST', path(), { metadata: { name: 'c' }, data: { lean: '1' } });
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: 'c', body: { data: { generated: '1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const read = await core.readNamespacedConfigMap({ namespace: ns, name: 'c' });
    const managers = new Set((read.metadata?.managedFields ?? []).map((m) => m.manager));
    expect(managers).toEqual(new Set(['node-fetch']));
  });
});
