// One inbound webhook delivery, from raw request to effect: the signing headers checked for form, the
// trigger and its key read, the signature verified (the same answer for every way it can fail), the
// timestamp checked, then the delivery id claimed and the effect made in ONE database transaction, so a
// crash either keeps both or neither. A job trigger's RpaJob is created (through the Kubernetes API)
// inside that transaction under a name derived from the trigger uid and delivery id: a retry after a
// crash between the create and the commit meets AlreadyExists and answers with the same job.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { withTransaction } from '../../../api/queue/db.js';
import { getQueue } from '../../../api/queue/items/queues.js';
import { addItems } from '../../../api/queue/items/store.js';
import type { NewItem } from '../../../api/queue/items/validate.js';
import { GROUP } from '../../../api/v1alpha1/common.js';
import type { TriggerJobTarget } from '../../../api/v1alpha1/rpatrigger.js';
import { itemsWorkflowProblem } from '../items-check.js';
import { ApiRequestError, type KubeApi, type RpaJobObject } from '../kube.js';
import { claimDelivery, completeDelivery } from './deliveries.js';
import { deliveryJobName, jobParams, parseBody, queueItems } from './payload.js';
import { HookRefusal, parseHookHeaders, signatureMatches, signatureMismatch, timestampProblem, type HookHeaders } from './signature.js';
import type { TriggerObject, TriggerSource } from './triggers.js';

/** Annotations on an RpaJob a delivery created: which trigger, which delivery. */
export const TRIGGER_ANNOTATION = `${GROUP}/trigger`;
export const DELIVERY_ANNOTATION = `${GROUP}/delivery`;
export const TRIGGER_UID_ANNOTATION = `${GROUP}/trigger-uid`;

export interface DeliveryDeps {
  db: pg.Pool;
  kube: KubeApi;
  triggers: TriggerSource;
  logger: Logger;
  /** Called after an accepted delivery (the status writer counts it). */
  onAccepted?: (namespace: string, name: string) => void;
  now?: () => number;
}

export interface DeliveryRequest {
  namespace: string;
  name: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface DeliveryResult {
  delivery: string;
  /** The RpaJob of a job trigger's delivery. */
  job?: { name: string; uid: string };
  /** A queue trigger's delivery: per-item results as the bulk endpoint gives them. */
  added?: number;
  duplicate?: number;
  replaced?: number;
  items?: Array<{ index: number; id: string; result: 'added' | 'duplicate' | 'replaced' }>;
}

/** The trigger, once the request's signature verified under its key; a HookRefusal otherwise. */
async function authenticate(deps: DeliveryDeps, req: DeliveryRequest, h: HookHeaders): Promise<TriggerObject> {
  const trigger = await deps.triggers.getTrigger(req.namespace, req.name);
  const secret = trigger && (await deps.triggers.secretKey(req.namespace, trigger.spec.secretRef));
  if (trigger === null || secret?.state !== 'ok' || !signatureMatches(secret.key, h.timestampText, req.body, h.signature)) throw signatureMismatch();
  const problem = timestampProblem(h.timestamp, Math.floor((deps.now?.() ?? Date.now()) / 1000), trigger.spec.toleranceSeconds);
  if (problem !== undefined) throw new HookRefusal('TimestampOutsideTolerance', problem);
  return trigger;
}

const replayed = (deliveryId: string) =>
  new HookRefusal('DeliveryReplayed', `delivery ${deliveryId} was accepted before: nothing was done again (treat as delivered)`);

export async function deliver(deps: DeliveryDeps, req: DeliveryRequest): Promise<DeliveryResult> {
  const h = parseHookHeaders(req.headers);
  const trigger = await authenticate(deps, req, h);
  const body = parseBody(req.body);
  const key = {
    triggerUid: trigger.metadata.uid,
    deliveryId: h.deliveryId,
    namespace: req.namespace,
    trigger: req.name,
  };
  const result = trigger.spec.queue
    ? await deliverItems(deps, { ...key, timestamp: h.timestamp }, trigger.spec.queue.name, queueItems(body))
    : await deliverJob(deps, { ...key, timestamp: h.timestamp }, trigger.spec.job!, jobParams(trigger.spec.job!, body));
  deps.logger.info(
    { kind: 'RpaTrigger', namespace: req.namespace, name: req.name, delivery: h.deliveryId, ...(result.job && { job: result.job.name }), ...(result.added !== undefined && { added: result.added }) },
    'accepted webhook delivery',
  );
  deps.onAccepted?.(req.namespace, req.name);
  return result;
}

type Claim = Parameters<typeof claimDelivery>[1];

async function deliverItems(deps: DeliveryDeps, claim: Claim, queue: string, items: NewItem[]): Promise<DeliveryResult> {
  const q = await getQueue(deps.db, { namespace: claim.namespace, name: queue });
  if (q === null) throw new HookRefusal('TriggerNotReady', `RpaQueue ${claim.namespace}/${queue} does not exist (or is not reconciled yet)`);
  const problem = await itemsWorkflowProblem(deps.kube, claim.namespace, q, items);
  if (problem !== undefined) throw new HookRefusal('Invalid', problem);
  return withTransaction(deps.db, async (tx) => {
    if (!(await claimDelivery(tx, claim))) throw replayed(claim.deliveryId);
    const results = await addItems(tx, { namespace: claim.namespace, name: queue }, items);
    const count = (r: string) => results.filter((x) => x.result === r).length;
    const summary = { added: count('added'), duplicate: count('duplicate'), replaced: count('replaced') };
    await completeDelivery(tx, { ...claim, result: summary });
    return { delivery: claim.deliveryId, ...summary, items: results };
  });
}

async function deliverJob(deps: DeliveryDeps, claim: Claim, target: TriggerJobTarget, params: Record<string, unknown>): Promise<DeliveryResult> {
  if ((await deps.kube.getWorkflow(claim.namespace, target.workflowRef.name)) === null)
    throw new HookRefusal('TriggerNotReady', `RpaWorkflow ${claim.namespace}/${target.workflowRef.name} does not exist`);
  const name = deliveryJobName({ name: claim.trigger, uid: claim.triggerUid }, claim.deliveryId);
  return withTransaction(deps.db, async (tx) => {
    if (!(await claimDelivery(tx, claim))) throw replayed(claim.deliveryId);
    const job = await createOrFind(deps.kube, claim, name, {
      pool: target.pool,
      workflowRef: target.workflowRef,
      ...(Object.keys(params).length > 0 && { params }),
      ...(target.credentials && { credentials: target.credentials }),
      priority: target.priority,
      maxAttempts: target.maxAttempts,
      ...(target.activeDeadlineSeconds !== undefined && { activeDeadlineSeconds: target.activeDeadlineSeconds }),
      ...(target.ttlSecondsAfterFinished !== undefined && { ttlSecondsAfterFinished: target.ttlSecondsAfterFinished }),
    });
    const ref = { name: job.metadata.name, uid: job.metadata.uid };
    await completeDelivery(tx, { ...claim, result: { job: ref } });
    return { delivery: claim.deliveryId, job: ref };
  });
}

/** Creates the delivery's RpaJob; when it exists already (this delivery, retried after a crash) returns it. */
async function createOrFind(kube: KubeApi, claim: Claim, name: string, spec: Record<string, unknown>): Promise<RpaJobObject> {
  const annotations = { [TRIGGER_ANNOTATION]: claim.trigger, [DELIVERY_ANNOTATION]: claim.deliveryId, [TRIGGER_UID_ANNOTATION]: claim.triggerUid };
  try {
    return await kube.createJob(claim.namespace, { name, annotations, spec });
  } catch (err) {
    if (!(err instanceof ApiRequestError && err.code === 409)) throw err;
    const existing = await kube.getJob(claim.namespace, name);
    const a = existing.metadata.annotations ?? {};
    if (a[TRIGGER_UID_ANNOTATION] !== claim.triggerUid || a[DELIVERY_ANNOTATION] !== claim.deliveryId)
      throw new HookRefusal('JobNameTaken', `RpaJob ${claim.namespace}/${name} exists and was not created by this delivery`);
    return existing;
  }
}
