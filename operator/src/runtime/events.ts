// Kubernetes Events (core/v1, what `kubectl describe` shows) for what a user should see. A repeat of
// the same event on the same object bumps its count instead of creating another one. Recording is
// best effort: it never throws into a reconcile. One Event per queued job: written with the lean JsonApi.
import { randomInt } from 'node:crypto';
import type { CoreV1Event, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import type { Reason } from '../../../api/v1alpha1/reasons.js';
import { isNotFound } from './api-errors.js';
import { JsonApi, MERGE_PATCH } from './json-api.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  type: EventType;
  /** CamelCase, from the closed set of reasons (api/v1alpha1/reasons.ts), e.g. Queued, Invalid, ScaledUp. */
  reason: Reason;
  /** One sentence for a human; never a secret. */
  message: string;
  /** What was done, e.g. Enqueue, Scale (optional). */
  action?: string;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
}

const CACHE_LIMIT = 4096;

export class EventRecorder {
  private readonly api: JsonApi;
  private readonly component: string;
  private readonly instance: string;
  private readonly logger: Logger;
  /** Per event identity, the chain of writes: repeats are serialised so they count instead of racing. */
  private readonly seen = new Map<string, Promise<Seen | undefined>>();
  /** Name suffixes: a counter from a random start (names differ across replicas without a random read per event). */
  private sequence = randomInt(0x10000);

  constructor(kc: KubeConfig, opts: { component: string; instance: string; logger: Logger }) {
    this.api = new JsonApi(kc);
    this.component = opts.component;
    this.instance = opts.instance;
    this.logger = opts.logger;
  }

  record(obj: KubernetesObject, event: EventInput): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const identity = [meta.uid ?? `${namespace}/${meta.name}`, event.type, event.reason, event.message].join('\u0000');
    const previous = this.seen.get(identity) ?? Promise.resolve(undefined);
    const next = previous.then((seen) => this.write(obj, event, namespace, seen));
    this.seen.delete(identity); // re-insert: the Map's order doubles as least-recently-used order
    this.seen.set(identity, next);
    if (this.seen.size > CACHE_LIMIT) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return next.then(() => undefined);
  }

  private async write(
    obj: KubernetesObject,
    event: EventInput,
    namespace: string,
    seen: Seen | undefined,
  ): Promise<Seen | undefined> {
    const now = new Date();
    try {
      if (seen) {
        try {
          await this.api.request(
            'PATCH',
            `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`,
            { count: seen.count + 1, lastTimestamp: now.toISOString() },
            MERGE_PATCH,
          );
          return { ...seen, count: seen.count + 1 };
        } catch (err) {
          if (!isNotFound(err)) throw err; // expired (events live 1 h by default): create it afresh
        }
      }
      const meta = obj.metadata ?? {};
      this.sequence = (this.sequence + 1) & 0xffff;
      const name = `${meta.name ?? 'object'}.${now.getTime().toString(16)}${this.sequence.toString(16).padStart(4, '0')}`;
      const body: CoreV1Event = {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        action: event.action,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
      };
      await this.api.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body);
      return { name, namespace, count: 1 };
    } catch (err) {
      this.logger.warn(
        { err, reason: event.reason, kind: obj.kind, namespace, name: obj.metadata?.name },
        'event not recorded',
      );
      return undefined;
    }
  }
}
