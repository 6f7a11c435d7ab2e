// aether.queues: the RpaQueue's spec as the operator mirrors it (the SQL functions of the items read it).
import type { Queryable } from '../db.js';

export type UniqueReferencePolicy = 'reject' | 'replace' | 'allow';

export interface QueueRow {
  namespace: string;
  name: string;
  uid?: string | undefined;
  pool: string;
  workflowRef: { name: string };
  maxRetries: number;
  backoffSeconds: number;
  backoffMaxSeconds: number;
  uniqueReference: UniqueReferencePolicy;
  itemTtlSeconds?: number | undefined;
  inProgressTimeoutSeconds: number;
  retentionSeconds?: number | undefined;
  slaSeconds?: number | undefined;
  /** graphile scale: lower runs first. */
  priority: number;
  /** The workflow snapshot the items run (a WorkflowSpec); null while the RpaWorkflow is missing or invalid. */
  workflow?: unknown;
  workflowDigest?: string | null;
  /** Credential slot -> Secret binding (names only), as an RpaJob's spec.credentials. */
  credentials?: Record<string, QueueCredentialBinding>;
}

export interface QueueCredentialBinding {
  secretName: string;
  keys?: Record<string, string> | undefined;
}

/**
 * Writes the queue's row (insert or update); a no-op write when nothing changed. A row mirrored from an
 * RpaQueue with another uid belonged to a deleted queue of the same name: it goes first, with its items.
 */
export async function upsertQueue(db: Queryable, q: QueueRow): Promise<void> {
  if (q.uid) await db.query('delete from aether.queues where namespace = $1 and name = $2 and uid is distinct from $3 and uid is not null', [q.namespace, q.name, q.uid]);
  await db.query(
    `insert into aether.queues (namespace, name, uid, pool, workflow_ref, max_retries, backoff_seconds, backoff_max_seconds,
                                unique_reference, item_ttl_seconds, in_progress_timeout_seconds, retention_seconds,
                                sla_seconds, priority, workflow, workflow_digest, credentials)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     on conflict (namespace, name) do update
        set uid = excluded.uid, pool = excluded.pool, workflow_ref = excluded.workflow_ref,
            max_retries = excluded.max_retries, backoff_seconds = excluded.backoff_seconds,
            backoff_max_seconds = excluded.backoff_max_seconds, unique_reference = excluded.unique_reference,
            item_ttl_seconds = excluded.item_ttl_seconds, in_progress_timeout_seconds = excluded.in_progress_timeout_seconds,
            retention_seconds = excluded.retention_seconds, sla_seconds = excluded.sla_seconds,
            priority = excluded.priority, workflow = excluded.workflow, workflow_digest = excluded.workflow_digest,
            credentials = excluded.credentials, updated_at = now()
      where (queues.uid, queues.pool, queues.workflow_ref, queues.max_retries, queues.backoff_seconds,
             queues.backoff_max_seconds, queues.unique_reference, queues.item_ttl_seconds,
             queues.in_progress_timeout_seconds, queues.retention_seconds, queues.sla_seconds, queues.priority,
             queues.workflow_digest, queues.credentials)
            is distinct from
            (excluded.uid, excluded.pool, excluded.workflow_ref, excluded.max_retries, excluded.backoff_seconds,
             excluded.backoff_max_seconds, excluded.unique_reference, excluded.item_ttl_seconds,
             excluded.in_progress_timeout_seconds, excluded.retention_seconds, excluded.sla_seconds, excluded.priority,
             excluded.workflow_digest, excluded.credentials)`,
    [
      q.namespace, q.name, q.uid ?? null, q.pool, JSON.stringify(q.workflowRef), q.maxRetries, q.backoffSeconds,
      q.backoffMaxSeconds, q.uniqueReference, q.itemTtlSeconds ?? null, q.inProgressTimeoutSeconds,
      q.retentionSeconds ?? null, q.slaSeconds ?? null, q.priority,
      q.workflow === undefined || q.workflow === null ? null : JSON.stringify(q.workflow), q.workflowDigest ?? null,
      JSON.stringify(q.credentials ?? {}),
    ],
  );
}

interface QueueDbRow {
  namespace: string;
  name: string;
  uid: string | null;
  pool: string;
  workflow_ref: { name: string };
  max_retries: number;
  backoff_seconds: number;
  backoff_max_seconds: number;
  unique_reference: UniqueReferencePolicy;
  item_ttl_seconds: number | null;
  in_progress_timeout_seconds: number;
  retention_seconds: number | null;
  sla_seconds: number | null;
  priority: number;
  workflow: unknown;
  workflow_digest: string | null;
  credentials: Record<string, QueueCredentialBinding>;
}

export async function getQueue(db: Queryable, opts: { namespace: string; name: string }): Promise<QueueRow | null> {
  const r = await db.query<QueueDbRow>('select * from aether.queues where namespace = $1 and name = $2', [opts.namespace, opts.name]);
  const row = r.rows[0];
  if (!row) return null;
  return {
    namespace: row.namespace,
    name: row.name,
    uid: row.uid ?? undefined,
    pool: row.pool,
    workflowRef: row.workflow_ref,
    maxRetries: row.max_retries,
    backoffSeconds: row.backoff_seconds,
    backoffMaxSeconds: row.backoff_max_seconds,
    uniqueReference: row.unique_reference,
    itemTtlSeconds: row.item_ttl_seconds ?? undefined,
    inProgressTimeoutSeconds: row.in_progress_timeout_seconds,
    retentionSeconds: row.retention_seconds ?? undefined,
    slaSeconds: row.sla_seconds ?? undefined,
    priority: row.priority,
    workflow: row.workflow,
    workflowDigest: row.workflow_digest,
    credentials: row.credentials,
  };
}

export interface PoolQueue {
  name: string;
  /** The workflow snapshot (a WorkflowSpec, to be parsed by the caller). */
  workflow: unknown;
  workflowDigest: string;
  /** The RpaWorkflow's name (where self-healing keeps its records). */
  workflowName: string;
  /** The workflow's credential slots bound to Secrets (names only). */
  credentials?: Record<string, QueueCredentialBinding>;
}

/** The queues of a pool whose workflow is known: robots of the pool take their items. */
export async function queuesOfPool(db: Queryable, opts: { namespace: string; pool: string }): Promise<PoolQueue[]> {
  const r = await db.query<{ name: string; workflow: unknown; workflow_digest: string; workflow_name: string; credentials: Record<string, QueueCredentialBinding> }>(
    `select name, workflow, workflow_digest, workflow_ref->>'name' as workflow_name, credentials
       from aether.queues where namespace = $1 and pool = $2 and workflow is not null order by name`,
    [opts.namespace, opts.pool],
  );
  return r.rows.map((x) => ({ name: x.name, workflow: x.workflow, workflowDigest: x.workflow_digest, workflowName: x.workflow_name, credentials: x.credentials }));
}

/** Removes the queue and (cascade) its items: the RpaQueue was deleted. True when it existed. */
export async function deleteQueue(db: Queryable, opts: { namespace: string; name: string }): Promise<boolean> {
  const r = await db.query('delete from aether.queues where namespace = $1 and name = $2', [opts.namespace, opts.name]);
  return (r.rowCount ?? 0) > 0;
}

export interface QueueKey {
  namespace: string;
  name: string;
  uid: string | null;
}

/** Every mirrored queue's identity (the orphan collector compares them with the RpaQueues that exist). */
export async function listQueueKeys(db: Queryable): Promise<QueueKey[]> {
  const r = await db.query<QueueKey>('select namespace, name, uid from aether.queues order by namespace, name');
  return r.rows;
}

/**
 * Removes the queue and its items only while its row still has this uid: a queue recreated under the same
 * name in the meantime keeps the row the controller just wrote for it.
 */
export async function deleteQueueIfUid(db: Queryable, key: QueueKey): Promise<boolean> {
  const r = await db.query('delete from aether.queues where namespace = $1 and name = $2 and uid is not distinct from $3', [key.namespace, key.name, key.uid]);
  return (r.rowCount ?? 0) > 0;
}
