// The RpaQueue controller: mirrors the queue's spec and a snapshot of its workflow to aether.queues (the
// items' SQL and the robots read it; no valid workflow, no item is taken), runs the
// queue's housekeeping (abandon what waited or ran too long, delete finished items past retention), and
// writes the item counts, the oldest New item and the SLA verdict to status — at most once a second per
// queue, however fast items move. A breached SLA is an Event, a NOTIFY on aether_queue_sla and a
// QueueSlaBreached delivery for each RpaNotification that wants it. Read
// (the queue, its counts), decide (decide.ts, pure), apply, report once. A deleted RpaQueue takes its
// items with it.
import type pg from 'pg';
import { abandonItems, deleteFinishedItemsBefore } from '../../../../api/queue/items/housekeeping.js';
import { QUEUE_SLA_CHANNEL } from '../../../../api/queue/items/notify.js';
import { deleteQueue, upsertQueue } from '../../../../api/queue/items/queues.js';
import { queueCounts } from '../../../../api/queue/items/store.js';
import { notify } from '../../../../api/queue/sql/runs.js';
import { recordNotificationEvent } from '../../../../api/notifications/sql.js';
import { REASONS, RpaQueueSpec } from '../../../../api/v1alpha1/index.js';
import { issuesText } from '../../../../api/zod-issues.js';
import type { Reconcile, ReconcileContext } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { ObjectKey } from '../../runtime/key.js';
import { reportStatus } from '../../runtime/report.js';
import { done, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { CONDITIONS } from '../names.js';
import { timeOf, type RpaQueueObject, type RpaWorkflowObject } from '../objects.js';
import { decideQueue, queueRow, resolveQueueWorkflow } from './decide.js';

/** Finished items deleted per pass (small batches keep the locks short). */
const RETENTION_BATCH = 1000;

export interface RpaQueueControllerDeps {
  clients: KubeClients;
  queues: KindCache<RpaQueueObject>;
  workflows: KindCache<RpaWorkflowObject>;
  db: pg.Pool;
  events: EventRecorder;
  now: () => number;
}

export function rpaQueueReconciler(deps: RpaQueueControllerDeps): Reconcile {
  const reporting = { api: deps.clients.json, events: deps.events, now: deps.now };
  /** When this operator last wrote each queue's counts (the informer may not have seen the write yet). */
  const lastWrites = new Map<string, number>();

  return async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const id = `${key.namespace}/${key.name}`;
    const q = deps.queues.get(key.namespace, key.name);
    if (!q) {
      // Gone: its items go with it.
      lastWrites.delete(id);
      if (await deleteQueue(deps.db, { namespace: key.namespace, name: key.name })) ctx.logger.info({ namespace: key.namespace, name: key.name }, 'deleted the items of a deleted queue');
      return done();
    }
    if (q.metadata.deletionTimestamp) return done();
    const ref = crRef('RpaQueue', key.namespace, key.name);
    const parsed = RpaQueueSpec.safeParse(q.spec);
    if (!parsed.success) {
      const message = issuesText(parsed.error.issues, { under: 'spec' });
      await reportStatus(reporting, q, ref, {
        conditions: [{ type: CONDITIONS.ready, status: 'False', reason: REASONS.Invalid, message }],
        events: [{ type: 'Warning', reason: REASONS.Invalid, message }],
      });
      throw new TerminalError(message);
    }
    const spec = parsed.data;
    const now = deps.now();
    // Apply the spec and the housekeeping; then read the counts they leave.
    const workflow = resolveQueueWorkflow(spec, (name) => deps.workflows.get(key.namespace, name));
    await upsertQueue(deps.db, queueRow({ namespace: key.namespace, name: key.name, uid: q.metadata.uid }, spec, workflow));
    const abandoned = await abandonItems(deps.db, { namespace: key.namespace, queue: key.name });
    await deleteFinishedItemsBefore(deps.db, { namespace: key.namespace, queue: key.name, before: new Date(now - spec.retentionSeconds * 1000), limit: RETENTION_BATCH });
    const counts = await queueCounts(deps.db, { namespace: key.namespace, queue: key.name });
    const lastWriteAt = Math.max(lastWrites.get(id) ?? -Infinity, timeOf(q.status?.countsTime) ?? -Infinity);
    const d = decideQueue({ spec, status: q.status, counts, workflow, lastWriteAt: Number.isFinite(lastWriteAt) ? lastWriteAt : undefined, now });
    if (abandoned > 0) {
      void deps.events.record(q, { type: 'Warning', reason: REASONS.ItemsAbandoned, message: `${abandoned} items passed their deadline or ran past the in-progress timeout` });
    }
    if (d.report) {
      lastWrites.set(id, now);
      await reportStatus(reporting, q, ref, d.report, { signal: ctx.signal });
      if (d.slaBreached) {
        const breach = { namespace: key.namespace, queue: key.name, slaSeconds: spec.slaSeconds, oldestNewItemTime: counts.oldestNewAt, new: counts.new };
        await notify(deps.db, { channel: QUEUE_SLA_CHANNEL, payload: JSON.stringify(breach) });
        await recordNotificationEvent(deps.db, {
          namespace: key.namespace,
          event: 'QueueSlaBreached',
          subject: `${key.namespace}/${key.name}`,
          workflow: spec.workflowRef.name,
          queue: key.name,
          pool: spec.pool,
          payload: { queue: breach },
        });
        ctx.logger.warn({ namespace: key.namespace, name: key.name, slaSeconds: spec.slaSeconds }, 'queue breached its SLA');
      }
    }
    return d.result;
  };
}
