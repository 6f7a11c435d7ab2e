// Read access to the informer caches of one kind, across the namespaces the operator watches (one
// informer per watched namespace, or one for the whole cluster).
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import { Informer } from '../runtime/informer.js';

export class KindCache<T extends KubernetesObject> {
  constructor(
    readonly informers: ReadonlyArray<Informer<T>>,
    private readonly byNamespace: ReadonlyMap<string, Informer<T>> | undefined,
  ) {}

  get(namespace: string, name: string): T | undefined {
    const informer = this.byNamespace ? this.byNamespace.get(namespace) : this.informers[0];
    return informer?.get(name, namespace);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined && this.byNamespace) return [...(this.byNamespace.get(namespace)?.list(namespace) ?? [])];
    return this.informers.flatMap((i) => [...i.list(namespace)]);
  }
}

export interface KindSource<T extends KubernetesObject> {
  /** For logs: e.g. rpajobs. */
  name: string;
  /** Collection path of one namespace, or of all when namespace is undefined. */
  path: (namespace: string | undefined) => string;
  list: (namespace: string | undefined) => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
}

/** One informer per watched namespace (or one cluster-wide when `namespaces` is empty). */
export function makeKindCache<T extends KubernetesObject>(
  kc: KubeConfig,
  source: KindSource<T>,
  opts: { namespaces: readonly string[]; logger: Logger; resyncMs?: number },
): KindCache<T> {
  const make = (ns: string | undefined) =>
    new Informer<T>(kc, {
      name: ns ? `${source.name}/${ns}` : source.name,
      path: source.path(ns),
      list: () => source.list(ns),
      labelSelector: source.labelSelector,
      logger: opts.logger,
      resyncMs: opts.resyncMs,
    });
  if (opts.namespaces.length === 0) return new KindCache([make(undefined)], undefined);
  const map = new Map(opts.namespaces.map((ns) => [ns, make(ns)] as const));
  return new KindCache([...map.values()], map);
}
