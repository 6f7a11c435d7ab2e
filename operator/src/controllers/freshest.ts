// The informer cache lags our own writes by a watch event. A reconcile that runs in that gap would see
// the object without the finalizer or status it just wrote and write them again. This remembers the
// object each of our writes returned until the cache has caught up, comparing resourceVersions as
// numbers (etcd revisions; anything else falls back to the cache). It also recognises the watch event
// that echoes one of our writes, which needs no reconcile: the pass that wrote it decided on that state.
import type { KubernetesObject } from '@kubernetes/client-node';

function newer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}

export class Freshest<T extends KubernetesObject> {
  private readonly written = new Map<string, T>();

  /** Records what a write returned. */
  wrote(obj: T): T {
    const uid = obj.metadata?.uid;
    if (uid) this.written.set(uid, obj);
    return obj;
  }

  /** The cached object, or what we wrote when that is newer. */
  resolve(cached: T): T {
    const uid = cached.metadata?.uid;
    if (!uid) return cached;
    const mine = this.written.get(uid);
    if (mine && newer(mine.metadata?.resourceVersion, cached.metadata?.resourceVersion)) return mine;
    this.written.delete(uid);
    return cached;
  }

  /**
   * True when `obj` is exactly what one of our writes returned (same resourceVersion): the watch echoing
   * our own write. The cache then holds it, so the write is forgotten.
   */
  isEcho(obj: T): boolean {
    const uid = obj.metadata?.uid;
    const rv = obj.metadata?.resourceVersion;
    if (!uid || !rv || this.written.get(uid)?.metadata?.resourceVersion !== rv) return false;
    this.written.delete(uid);
    return true;
  }

  forget(uid: string): void {
    this.written.delete(uid);
  }
}
