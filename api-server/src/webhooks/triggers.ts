// The API server's reads of RpaTriggers and their Secrets (with its own ServiceAccount); and the status
// writes of triggers. The hook endpoint takes unauthenticated requests, so a trigger is looked up in an
// informer's cache (list + watch of every RpaTrigger): a request naming a trigger that does not exist
// costs no Kubernetes API call. Only a miss may be read once more (a trigger created a moment ago whose
// watch event is on its way), and such reads are rate-limited, so a flood of made-up names cannot turn
// into a flood of GETs. Secrets are read per trigger, cached briefly. The key bytes stay in this
// process's memory: never logged, never written anywhere.
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import { TokenBucket } from '../../../operator/src/runtime/backoff.js';
import { Informer } from '../../../operator/src/runtime/informer.js';
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

/** Reads of triggers the informer does not have, per second (and at once): enough for triggers just created. */
export const MISS_READS = { ratePerSecond: 5, burst: 10 };

export class TriggerSource {
  private readonly api: JsonApi;
  private readonly informer: Informer<RawTrigger & KubernetesObject> | undefined;
  private readonly missReads = new TokenBucket(MISS_READS);
  private readonly triggers: TtlCache<Promise<TriggerObject | null>>;
  private readonly secrets: TtlCache<Promise<SecretKey>>;
  private readonly namespaces: ReadonlySet<string> | undefined;

  /**
   * Without a logger there is no informer: every lookup reads through the TTL cache (tests of one piece).
   * With `namespaces`, a trigger elsewhere does not exist for this API server: another installation's.
   */
  constructor(kc: KubeConfig, opts: { ttlMs?: number; logger?: Logger; namespaces?: readonly string[] } = {}) {
    this.api = new JsonApi(kc);
    if (opts.namespaces?.length) this.namespaces = new Set(opts.namespaces);
    this.triggers = new TtlCache(opts.ttlMs ?? 5000, 10_000);
    this.secrets = new TtlCache(opts.ttlMs ?? 5000, 10_000);
    if (opts.logger)
      this.informer = new Informer<RawTrigger & KubernetesObject>(kc, {
        name: 'rpatriggers',
        path: triggersPath(),
        list: () => this.api.request<KubernetesListObject<RawTrigger & KubernetesObject>>('GET', triggersPath()),
        resyncMs: 0,
        logger: opts.logger,
      });
  }

  /** Starts the informer (lookups read through the TTL cache until it has listed). */
  start(): void {
    void this.informer?.start();
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  /**
   * The RpaTrigger, or null when there is none. From the informer once it has listed; a name it does not
   * have is read once more only while the miss budget lasts (MISS_READS), else null. Before that, a read
   * (or its absence) is reused for the cache's TTL unless `fresh` asks for a new one.
   */
  getTrigger(namespace: string, name: string, opts: { fresh?: boolean } = {}): Promise<TriggerObject | null> {
    if (!this.serves(namespace)) return Promise.resolve(null);
    const key = `${namespace}/${name}`;
    if (this.informer?.synced) {
      const raw = this.informer.get(name, namespace);
      if (raw) return Promise.resolve(parsed(raw));
      if (this.triggers.get(key) === undefined && !this.missReads.tryTake(Date.now())) return Promise.resolve(null);
    }
    if (opts.fresh) this.triggers.delete(key);
    return this.cached(this.triggers, key, () =>
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
    const items = this.informer?.synced ? this.informer.list() : (await this.api.request<{ items: RawTrigger[] }>('GET', triggersPath())).items;
    return items
      .filter((t) => this.serves(t.metadata.namespace))
      .map(parsed)
      .filter((t): t is TriggerObject => t !== null);
  }

  /** Whether this API server serves the triggers of `namespace`. */
  private serves(namespace: string): boolean {
    return this.namespaces === undefined || this.namespaces.has(namespace);
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
