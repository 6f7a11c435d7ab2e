// The RpaNotification controller's decisions (pure): the database row its spec mirrors to, whether the URL
// passes the operator's policy, and the status to report (counts at most once a second).
import type { NotificationCounts, NotificationRow } from '../../../api/notifications/sql.js';
import { kubeTime, REASONS, type RpaNotificationSpec, type RpaNotificationStatus } from '../../../api/v1alpha1/index.js';
import type { ConditionUpdate } from '../runtime/conditions.js';
import { statusDelta } from '../runtime/status-delta.js';
import { CONDITIONS } from '../controllers/names.js';
import { countsWriteDecision } from '../controllers/rpaqueue/decide.js';
import { decideUrl, type TargetPolicy } from './target.js';

export function notificationRow(meta: { namespace: string; name: string; uid?: string }, spec: RpaNotificationSpec, enabled: boolean): NotificationRow {
  return {
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    url: spec.url,
    events: spec.events,
    workflows: spec.workflows,
    queues: spec.queues,
    pools: spec.pools,
    maxAttempts: spec.retry.maxAttempts,
    backoffInitialSeconds: spec.retry.backoff.initialSeconds,
    backoffMaxSeconds: spec.retry.backoff.maxSeconds,
    secretName: spec.secretRef.name,
    secretKey: spec.secretRef.key,
    enabled,
  };
}

/** The URL as the policy sees it before any address is known: refused (with why), or allowed so far. */
export function urlVerdict(url: string, policy: TargetPolicy): { ok: true } | { ok: false; message: string } {
  const d = decideUrl(new URL(url), policy);
  if (d && !d.allow) return { ok: false, message: `spec.url refused (${d.rule}): ${d.reason}` };
  return { ok: true };
}

/** The Ready condition from the URL verdict and whether the signing key could be read. */
export function readyCondition(v: { url: { ok: true } | { ok: false; message: string }; keyProblem?: string; host: string }): ConditionUpdate {
  if (!v.url.ok) return { type: CONDITIONS.ready, status: 'False', reason: REASONS.UrlRefused, message: v.url.message };
  if (v.keyProblem)
    return { type: CONDITIONS.ready, status: 'False', reason: REASONS.SecretMissing, message: `${v.keyProblem}: deliveries are retried until it can be read` };
  return { type: CONDITIONS.ready, status: 'True', reason: REASONS.NotificationReady, message: `events are delivered to ${v.host}` };
}

/** The status fields of the counts (lastDelivery: the last attempt of any delivery). */
export function countFields(c: NotificationCounts): Pick<RpaNotificationStatus, 'delivered' | 'failed' | 'pending' | 'lastDelivery'> {
  return {
    delivered: c.delivered,
    failed: c.failed,
    pending: c.pending,
    ...(c.last && {
      lastDelivery: {
        time: kubeTime(c.last.at),
        ...(c.last.status !== null && { httpStatus: c.last.status }),
        outcome: c.last.state === 'Pending' ? 'Retrying' : c.last.state,
      },
    }),
  };
}

/** Whether the counts may be written now: changed, and the last write at least a second old. */
export function countsGate(input: { status: RpaNotificationStatus | undefined; counts: NotificationCounts; lastWriteAt: number | undefined; now: number }) {
  const fields = countFields(input.counts);
  const changed = statusDelta(input.status as Record<string, unknown> | undefined, fields) !== undefined;
  return { fields, gate: countsWriteDecision({ now: input.now, lastWriteAt: input.lastWriteAt, changed }) };
}
