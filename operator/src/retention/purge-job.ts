// All PostgreSQL rows of one job, in one transaction: its DBOS workflows (one per attempt), then its run
// row (screenshots by cascade), healing events and audit rows. Idempotent: a second call finds nothing.
// The RpaJob finalizer calls it for a finished job whose ttlSecondsAfterFinished has passed.
import type pg from 'pg';
import { withTransaction } from '../../../api/queue/db.js';
import { tenantDbosSchema } from '../../../api/tenancy/sql.js';
import { dbosSchemaExists, deleteJobRows, deleteJobWorkflows, type JobRowsDeleted } from '../../../api/queue/sql/retention.js';

export interface JobPurged extends JobRowsDeleted {
  workflows: number;
}

/** `namespace`: the job's; its robots' own DBOS schema (tenancy) wins over the shared `dbosSchema`. */
export function purgeJobRows(pool: pg.Pool, opts: { uid: string; namespace?: string; maxAttempts: number; dbosSchema?: string }): Promise<JobPurged> {
  return withTransaction(pool, async (tx) => {
    const schema = (opts.namespace !== undefined ? await tenantDbosSchema(tx, { namespace: opts.namespace }) : null) ?? opts.dbosSchema;
    const workflows = (await dbosSchemaExists(tx, { schema }))
      ? await deleteJobWorkflows(tx, { uid: opts.uid, attempts: opts.maxAttempts, schema })
      : 0;
    return { workflows, ...(await deleteJobRows(tx, { uid: opts.uid })) };
  });
}
