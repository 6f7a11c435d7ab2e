// The HMAC keys of notifications, read from their Secrets through the Kubernetes API (the operator may
// `get` only the Secret names the chart lists). Kept in memory only, per Secret: re-read at most every
// `ttlMs`, and decoded again only when the Secret's resourceVersion moved. A key is never logged,
// stored, or put into an error message.
import type { CoreV1Api } from '@kubernetes/client-node';
import { httpStatus } from '../runtime/api-errors.js';

export class KeyUnavailableError extends Error {
  override readonly name = 'KeyUnavailableError';
}

export interface SigningKeys {
  /** The key's bytes; throws KeyUnavailableError naming the Secret and key (not the value) when it has none. */
  get(namespace: string, ref: { name: string; key: string }): Promise<Buffer>;
}

interface Entry {
  resourceVersion: string;
  data: Record<string, string>;
  keys: Map<string, Buffer>;
  readAt: number;
}

export function createSigningKeys(opts: { core: CoreV1Api; ttlMs?: number; now?: () => number }): SigningKeys {
  const ttlMs = opts.ttlMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Entry>();
  // A Secret that could not be read is not asked for again for a few seconds: a backlog of deliveries
  // waiting for it would otherwise cost one GET each.
  const missing = new Map<string, { error: KeyUnavailableError; at: number }>();
  const missingTtlMs = Math.min(ttlMs, 5000);

  async function read(namespace: string, name: string): Promise<Entry> {
    const id = `${namespace}/${name}`;
    const cached = cache.get(id);
    if (cached && now() - cached.readAt < ttlMs) return cached;
    const miss = missing.get(id);
    if (miss && now() - miss.at < missingTtlMs) throw miss.error;
    let secret;
    try {
      secret = await opts.core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      cache.delete(id);
      const code = httpStatus(err);
      const why = code === 404 ? 'does not exist' : code === 403 ? 'may not be read by the operator (list it in the chart value notifications.secretNames)' : `could not be read (${code ?? 'no answer'})`;
      const error = new KeyUnavailableError(`Secret ${name} ${why}`);
      missing.set(id, { error, at: now() });
      throw error;
    }
    missing.delete(id);
    const rv = secret.metadata?.resourceVersion ?? '';
    if (cached && cached.resourceVersion === rv) {
      cached.readAt = now();
      return cached;
    }
    const entry: Entry = { resourceVersion: rv, data: secret.data ?? {}, keys: new Map(), readAt: now() };
    cache.set(id, entry);
    return entry;
  }

  return {
    async get(namespace, ref) {
      const entry = await read(namespace, ref.name);
      let key = entry.keys.get(ref.key);
      if (!key) {
        const b64 = entry.data[ref.key];
        if (b64 === undefined || b64 === '') throw new KeyUnavailableError(`Secret ${ref.name} has no key ${ref.key}`);
        key = Buffer.from(b64, 'base64');
        entry.keys.set(ref.key, key);
      }
      return key;
    },
  };
}
