// The API server's reads of RpaTriggers and their Secrets (with its own ServiceAccount), cached briefly
// so a burst of deliveries costs one read; and the status writes of triggers. The key bytes stay in this
// process's memory: never logged, never written anywhere.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiRequestError, JsonApi, MERGE_PATCH } from '../../../operator/src/runtime/json-api.js';
import { GROUP, VERSION } from '../../../api/v1alpha1/common.js';
import { RpaTriggerSpec, type RpaTriggerStatus } from '../../../api/v1alpha1/rpatrigger.js';
import { TtlCache } from '../auth.js';

export interface TriggerObject {
  metadata: { name: string; namespace: string; uid: string; generation?: number };
  spec: RpaTriggerSpec;
  status?: RpaTriggerStatus;
}

/** The trigger's HMAC key, or why there is none. */
export type SecretKey = { state: 'ok'; key: Buffer } | { state: 'missing' | 'noKey' | 'forbidden' };

const triggersPath = (namespace?: string) =>
  `/apis/${GROUP}/${VERSION}${namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/rpatriggers`;

interface RawTrigger {
  metadata: TriggerObject['metadata'];
  spec: unknown;
  status?: RpaTriggerStatus;
}

/** The trigger with its spec's defaults applied; null when the spec does not parse (the CRD refuses such). */
function parsed(raw: RawTrigger): TriggerObject | null {
  const spec = RpaTriggerSpec.safeParse(raw.spec);
  if (!spec.success) return null;
  return { metadata: raw.metadata, spec: spec.data, ...(raw.status && { status: raw.status }) };
}

const notFoundAsNull = <T>(err: unknown): T | null => {
  if (err instanceof ApiRequestError && err.code === 404) return null;
  throw err;
};

export class TriggerSource {
  private readonly api: JsonApi;
  private readonly triggers: TtlCache<Promise<TriggerObject | null>>;
  private readonly secrets: TtlCache<Promise<SecretKey>>;

  constructor(kc: KubeConfig, opts: { ttlMs?: number } = {}) {
    this.api = new JsonApi(kc);
    this.triggers = new TtlCache(opts.ttlMs ?? 5000, 10_000);
    this.secrets = new TtlCache(opts.ttlMs ?? 5000, 10_000);
  }

  /**
   * The RpaTrigger, or null when there is none; a read (or its absence) is reused for the cache's TTL
   * unless `fresh` asks for a new one.
   */
  getTrigger(namespace: string, name: string, opts: { fresh?: boolean } = {}): Promise<TriggerObject | null> {
    if (opts.fresh) this.triggers.delete(`${namespace}/${name}`);
    return this.cached(this.triggers, `${namespace}/${name}`, () =>
      this.api
        .request<RawTrigger>('GET', `${triggersPath(namespace)}/${encodeURIComponent(name)}`)
        .then(parsed, (err: unknown) => notFoundAsNull<TriggerObject>(err)),
    );
  }

  /** The key `ref.key` of the Secret `ref.name` in `namespace`. */
  secretKey(namespace: string, ref: { name: string; key: string }): Promise<SecretKey> {
    return this.cached(this.secrets, `${namespace}/${ref.name}/${ref.key}`, async () => {
      try {
        const secret = await this.api.request<{ data?: Record<string, string> }>(
          'GET',
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(ref.name)}`,
        );
        const b64 = secret.data?.[ref.key];
        const key = b64 === undefined ? undefined : Buffer.from(b64, 'base64');
        return key === undefined || key.length === 0 ? { state: 'noKey' } : { state: 'ok', key };
      } catch (err) {
        if (err instanceof ApiRequestError && err.code === 404) return { state: 'missing' };
        if (err instanceof ApiRequestError && err.code === 403) return { state: 'forbidden' };
        throw err;
      }
    });
  }

  /** Every RpaTrigger of the cluster (spec parsed; one that does not parse is left out). */
  async listTriggers(): Promise<TriggerObject[]> {
    const list = await this.api.request<{ items: RawTrigger[] }>('GET', triggersPath());
    return list.items.map(parsed).filter((t): t is TriggerObject => t !== null);
  }

  /** Merges `status` into the trigger's status subresource. */
  async patchStatus(namespace: string, name: string, status: RpaTriggerStatus): Promise<void> {
    await this.api
      .request('PATCH', `${triggersPath(namespace)}/${encodeURIComponent(name)}/status`, { status }, MERGE_PATCH)
      .catch((err: unknown) => notFoundAsNull(err));
  }

  private cached<V>(cache: TtlCache<Promise<V>>, key: string, read: () => Promise<V>): Promise<V> {
    let got = cache.get(key);
    if (got === undefined) {
      got = read();
      cache.set(key, got);
      // A failed read (the API server unreachable) is not kept: the next request asks again.
      got.catch(() => cache.delete(key));
    }
    return got;
  }
}
