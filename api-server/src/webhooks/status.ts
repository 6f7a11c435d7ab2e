// The status of RpaTriggers, written by the API server (the component that receives their deliveries):
// the Ready condition from what it finds (Secret key, queue or workflow), and the delivery count and time
// from PostgreSQL. Every trigger is looked at every `resyncMs`; an accepted delivery asks for its trigger
// sooner, but no trigger's status is written more than once per `minIntervalMs` (1 s) however fast
// deliveries arrive. The same pass prunes expired delivery ids.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { getQueue } from '../../../api/queue/items/queues.js';
import { kubeTime } from '../../../api/v1alpha1/names.js';
import type { RpaTriggerStatus } from '../../../api/v1alpha1/rpatrigger.js';
import { sameConditions, setCondition, type Condition } from '../../../operator/src/runtime/conditions.js';
import type { KubeApi } from '../kube.js';
import { deliveryCounts, forgetTriggers, pruneDeliveries, type DeliveryCount } from './deliveries.js';
import { triggerReadiness } from './readiness.js';
import type { TriggerObject, TriggerSource } from './triggers.js';

const READY = 'Ready';
const PRUNE_BATCH = 10_000;

export interface TriggerStatusDeps {
  triggers: TriggerSource;
  db: pg.Pool;
  kube: KubeApi;
  logger: Logger;
  /** How often every trigger is looked at. */
  resyncMs: number;
  /** Least time between two status writes of one trigger. Default 1000. */
  minIntervalMs?: number;
}

/** The status a trigger should have; undefined fields are left as they are. */
export function desiredStatus(t: TriggerObject, ready: ReturnType<typeof triggerReadiness>, count: DeliveryCount | undefined, now: Date): RpaTriggerStatus {
  const generation = t.metadata.generation;
  const conditions = setCondition(t.status?.conditions as Condition[] | undefined, { type: READY, ...ready }, { now, ...(generation !== undefined && { generation }) });
  return {
    ...(generation !== undefined && { observedGeneration: generation }),
    conditions: conditions as RpaTriggerStatus['conditions'],
    ...(count && { deliveries: count.deliveries, lastDelivery: kubeTime(count.lastDeliveryAt) }),
  };
}

function unchanged(current: RpaTriggerStatus | undefined, next: RpaTriggerStatus): boolean {
  return (
    current !== undefined &&
    current.observedGeneration === next.observedGeneration &&
    current.deliveries === next.deliveries &&
    current.lastDelivery === next.lastDelivery &&
    sameConditions(current.conditions as Condition[] | undefined, next.conditions as Condition[] | undefined)
  );
}

export class TriggerStatusWriter {
  private readonly lastWrite = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private loop: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: TriggerStatusDeps) {}

  start(): void {
    const tick = () => {
      this.running = this.resync().finally(() => {
        if (!this.stopped) this.loop = setTimeout(tick, this.deps.resyncMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.loop);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    await this.running;
  }

  /** A delivery was accepted: the trigger's status is written within about a second. */
  touch(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.stopped || this.pending.has(key)) return;
    const wait = Math.max(0, (this.lastWrite.get(key) ?? 0) + this.minInterval() - Date.now());
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        void this.one(namespace, name);
      }, wait),
    );
  }

  private minInterval(): number {
    return this.deps.minIntervalMs ?? 1000;
  }

  private async one(namespace: string, name: string): Promise<void> {
    try {
      const t = await this.deps.triggers.getTrigger(namespace, name, { fresh: true });
      if (t === null) return;
      const counts = await deliveryCounts(this.deps.db, [t.metadata.uid]);
      await this.reconcile(t, counts.get(t.metadata.uid));
    } catch (err) {
      this.deps.logger.warn({ err, kind: 'RpaTrigger', namespace, name }, 'trigger status not written');
    }
  }

  /** Looks at every trigger once; prunes expired delivery ids. */
  async resync(): Promise<void> {
    try {
      const all = await this.deps.triggers.listTriggers();
      const uids = all.map((t) => t.metadata.uid);
      const counts = await deliveryCounts(this.deps.db, uids);
      for (const t of all) {
        if (this.stopped) return;
        await this.reconcile(t, counts.get(t.metadata.uid));
      }
      await pruneDeliveries(this.deps.db, { limit: PRUNE_BATCH });
      await forgetTriggers(this.deps.db, uids);
    } catch (err) {
      this.deps.logger.warn({ err }, 'trigger status resync failed');
    }
  }

  private async reconcile(t: TriggerObject, count: DeliveryCount | undefined): Promise<void> {
    const { namespace, name } = t.metadata;
    const key = `${namespace}/${name}`;
    if (Date.now() - (this.lastWrite.get(key) ?? 0) < this.minInterval()) return this.touch(namespace, name);
    const secret = (await this.deps.triggers.secretKey(namespace, t.spec.secretRef)).state;
    const targetExists = t.spec.queue
      ? (await getQueue(this.deps.db, { namespace, name: t.spec.queue.name })) !== null
      : (await this.deps.kube.getWorkflow(namespace, t.spec.job!.workflowRef.name)) !== null;
    const ready = triggerReadiness(t.spec, { secret, targetExists });
    const next = desiredStatus(t, ready, count, new Date());
    if (unchanged(t.status, next)) return;
    this.lastWrite.set(key, Date.now());
    await this.deps.triggers.patchStatus(namespace, name, next);
    if (t.status?.conditions?.find((c) => c.type === READY)?.reason !== ready.reason)
      this.deps.logger.info({ kind: 'RpaTrigger', namespace, name, ready: ready.status, reason: ready.reason }, 'trigger readiness changed');
  }
}
