// The RpaNotification controller: mirrors the spec to aether.notifications (disabled while the operator's
// policy refuses the URL: no event is recorded for it), checks the signing key can be read (never
// keeping or showing it), and writes delivered/failed/pending and the last delivery to status — at most
// once a second, however fast deliveries settle (the sender enqueues the key after each attempt).
// Read, decide (decide.ts, pure), apply, report once. A deleted RpaNotification takes its deliveries along.
import type pg from 'pg';
import { deleteNotification, notificationCounts, upsertNotification } from '../../../api/notifications/sql.js';
import { REASONS, RpaNotificationSpec, type RpaNotificationStatus } from '../../../api/v1alpha1/index.js';
import { issuesText } from '../../../api/zod-issues.js';
import type { KindCache } from '../controllers/cache.js';
import { crRef, type KubeClients } from '../controllers/kube.js';
import { CONDITIONS } from '../controllers/names.js';
import { timeOf, type CustomObject } from '../controllers/objects.js';
import type { Reconcile, ReconcileContext } from '../runtime/controller.js';
import type { EventRecorder } from '../runtime/events.js';
import type { ObjectKey } from '../runtime/key.js';
import { reportStatus } from '../runtime/report.js';
import { done, requeueAfter, TerminalError, type ReconcileResult } from '../runtime/result.js';
import { countsGate, notificationRow, readyCondition, urlVerdict } from './decide.js';
import { KeyUnavailableError, type SigningKeys } from './keys.js';
import type { TargetPolicy } from './target.js';

export type RpaNotificationObject = CustomObject<RpaNotificationStatus>;

/** A notification is looked at again this often without a delivery (the Secret may have appeared). */
export const NOTIFICATION_RESYNC_MS = 60_000;

export interface RpaNotificationControllerDeps {
  clients: KubeClients;
  notifications: KindCache<RpaNotificationObject>;
  db: pg.Pool;
  events: EventRecorder;
  keys: SigningKeys;
  policy: TargetPolicy;
  now: () => number;
}

export function rpaNotificationReconciler(deps: RpaNotificationControllerDeps): Reconcile {
  const reporting = { api: deps.clients.json, events: deps.events, now: deps.now };
  const lastWrites = new Map<string, number>();

  return async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const id = `${key.namespace}/${key.name}`;
    const n = deps.notifications.get(key.namespace, key.name);
    if (!n) {
      lastWrites.delete(id);
      if (await deleteNotification(deps.db, { namespace: key.namespace, name: key.name }))
        ctx.logger.info({ kind: 'RpaNotification', namespace: key.namespace, name: key.name }, 'deleted the deliveries of a deleted notification');
      return done();
    }
    if (n.metadata.deletionTimestamp) return done();
    const ref = crRef('RpaNotification', key.namespace, key.name);
    const parsed = RpaNotificationSpec.safeParse(n.spec);
    if (!parsed.success) {
      const message = issuesText(parsed.error.issues, { under: 'spec' });
      await reportStatus(reporting, n, ref, {
        conditions: [{ type: CONDITIONS.ready, status: 'False', reason: REASONS.Invalid, message }],
        events: [{ type: 'Warning', reason: REASONS.Invalid, message }],
      });
      throw new TerminalError(message);
    }
    const spec = parsed.data;
    const url = urlVerdict(spec.url, deps.policy);
    let keyProblem: string | undefined;
    try {
      await deps.keys.get(key.namespace, spec.secretRef);
    } catch (err) {
      if (!(err instanceof KeyUnavailableError)) throw err;
      keyProblem = err.message;
    }
    await upsertNotification(deps.db, notificationRow({ namespace: key.namespace, name: key.name, uid: n.metadata.uid }, spec, url.ok));
    const ready = readyCondition({ url, ...(keyProblem && { keyProblem }), host: new URL(spec.url).host });

    const now = deps.now();
    const counts = await notificationCounts(deps.db, { namespace: key.namespace, name: key.name });
    const lastWriteAt = Math.max(lastWrites.get(id) ?? -Infinity, timeOf(n.status?.countsTime) ?? -Infinity);
    const { fields, gate } = countsGate({ status: n.status, counts, lastWriteAt: Number.isFinite(lastWriteAt) ? lastWriteAt : undefined, now });
    const readyChanged = !n.status?.conditions?.some((c) => c.type === ready.type && c.status === ready.status && c.reason === ready.reason && c.message === ready.message);
    if (gate.write || readyChanged) {
      if (gate.write) lastWrites.set(id, now);
      await reportStatus(
        reporting,
        n,
        ref,
        {
          fields: gate.write ? { ...fields, countsTime: new Date(now).toISOString() } : {},
          conditions: [ready],
          ...(ready.status === 'False' && { events: [{ type: 'Warning' as const, reason: ready.reason, message: ready.message }] }),
        },
        { signal: ctx.signal },
      );
    }
    if (!gate.write && gate.retryInMs > 0) return requeueAfter(gate.retryInMs);
    return requeueAfter(NOTIFICATION_RESYNC_MS);
  };
}
