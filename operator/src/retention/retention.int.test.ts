// Retention on a real, migrated PostgreSQL with DBOS's real schema and real DBOS workflows: rows older than
// their kind's cut-off go, in batches; newer rows and unfinished work stay; one job's rows go on their own.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { migrate } from '../../../migrations/index.js';
import { workflowIdFor } from '../../../robot-image/src/durable/ids.js';
import { configureDurable, type Durable } from '../../../robot-image/src/durable/runtime.js';
import { OperatorMetrics } from '../runtime/metrics.js';
import { countHistory, seedHistory } from './history.test-util.js';
import { createPruner } from './pruner.js';
import { purgeJobRows } from './purge-job.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const DAY = 86_400_000;

let db: pg.Pool;
let durable: Durable;

/** A durable workflow of two checkpointed steps, as a robot runs one per attempt. */
const twoSteps = DBOS.registerWorkflow(
  async (input: string) => {
    const a = await DBOS.runStep(async () => `${input}-1`, { name: 'first' });
    return DBOS.runStep(async () => `${a}-2`, { name: 'second' });
  },
  { name: 'retentionTwoSteps' },
);

async function runWorkflow(id: string): Promise<void> {
  const handle = await DBOS.startWorkflow(twoSteps, { workflowID: id })('x');
  expect(await handle.getResult()).toBe('x-1-2');
}

/** Rows of these DBOS workflows per table that keeps per-workflow rows. */
async function dbosRows(ids: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['workflow_status', 'operation_outputs', 'workflow_input', 'workflow_output']) {
    const r = await db.query<{ n: number }>(`select count(*)::int as n from dbos.${t} where workflow_uuid = any($1)`, [ids]);
    out[t] = r.rows[0]!.n;
  }
  return out;
}

beforeAll(async () => {
  const url = await freshDatabase('retention');
  await migrate({ databaseUrl: url });
  db = new pg.Pool({ connectionString: url, max: 4 });
  durable = configureDurable({
    appName: 'aether-robot',
    systemDatabaseUrl: url,
    executorId: 'retention-' + randomBytes(3).toString('hex'),
    applicationVersion: 'retention-test',
    logger,
  });
  await durable.launch();
}, 120_000);

afterAll(async () => {
  await durable?.shutdown();
  await db?.end();
});

describe('retention', () => {
  it('the DBOS schema keeps per-workflow rows in the tables retention deletes from', async () => {
    const id = workflowIdFor(randomUUID(), 1);
    await runWorkflow(id);
    const rows = await dbosRows([id]);
    expect(rows.workflow_status).toBe(1);
    expect(rows.operation_outputs).toBe(2);
    // Every table of the schema with a workflow_uuid column is either cleaned explicitly or cascades.
    const tables = await db.query<{ table_name: string; cascades: boolean }>(
      `select c.table_name,
              exists (select 1 from pg_constraint k where k.conrelid = format('dbos.%I', c.table_name)::regclass
                        and k.contype = 'f' and k.confdeltype = 'c'
                        and k.confrelid = 'dbos.workflow_status'::regclass) as cascades
         from information_schema.columns c
        where c.table_schema = 'dbos' and c.column_name = 'workflow_uuid' and c.table_name <> 'workflow_status'`,
    );
    const uncovered = tables.rows.filter((t) => !t.cascades && !['workflow_input', 'workflow_output', 'operation_outputs'].includes(t.table_name));
    expect(uncovered).toEqual([]);
  });

  it('prunes rows older than each cut-off in batches and keeps newer rows and unfinished runs', async () => {
    const now = Date.now();
    const old = await seedHistory(db, { runs: 1000, at: new Date(now - 40 * DAY), prefix: 'old' });
    const recent = await seedHistory(db, { runs: 1000, at: new Date(now - 1 * DAY), prefix: 'recent' });
    // Old but not finished: a run waiting in the queue for 40 days is not history.
    const waiting = await seedHistory(db, { runs: 5, at: new Date(now - 40 * DAY), prefix: 'waiting', state: 'queued' });
    // Screenshots and audit rows of a recent run that are themselves old go by their own age.
    const oldWorkflows = [workflowIdFor(randomUUID(), 1), workflowIdFor(randomUUID(), 2)];
    const newWorkflows = [workflowIdFor(randomUUID(), 1)];
    for (const id of [...oldWorkflows, ...newWorkflows]) await runWorkflow(id);
    await db.query(`update dbos.workflow_status set created_at = $2 where workflow_uuid = any($1)`, [oldWorkflows, now - 40 * DAY]);

    const metrics = new OperatorMetrics({ processMetrics: false });
    const pruner = createPruner({
      pool: db,
      logger,
      metrics,
      policy: { maxAgeMs: { runs: 30 * DAY, screenshots: 30 * DAY, healing: 30 * DAY, audit: 30 * DAY, workflows: 30 * DAY }, intervalMs: 60_000, batchSize: 300, pauseMs: 0 },
    });
    const result = await pruner.pruneOnce();

    expect(await countHistory(db, old)).toEqual({ runs: 0, screenshots: 0, healing: 0, audit: 0 });
    expect(await countHistory(db, recent)).toEqual({ runs: 1000, screenshots: 1000, healing: 1000, audit: 1000 });
    // The waiting runs stay; their old screenshots, healing and audit rows go by their own age.
    expect(await countHistory(db, waiting)).toEqual({ runs: 5, screenshots: 0, healing: 0, audit: 0 });
    expect(await dbosRows(oldWorkflows)).toEqual({ workflow_status: 0, operation_outputs: 0, workflow_input: 0, workflow_output: 0 });
    expect((await dbosRows(newWorkflows)).operation_outputs).toBe(2);
    expect(result.deleted).toEqual({ runs: 1000, screenshots: 1005, healing: 1005, audit: 1005, workflows: 2 });
    // 1,005 rows at 300 a batch: four batches for each of three kinds, at least.
    expect(result.batches).toBeGreaterThanOrEqual(4 * 4);
    const pruned = await metrics.retentionRowsPruned.get();
    expect(pruned.values.find((v) => v.labels.kind === 'runs')?.value).toBe(1000);

    // A second pass finds nothing.
    expect((await pruner.pruneOnce()).deleted).toEqual({ runs: 0, screenshots: 0, healing: 0, audit: 0, workflows: 0 });
  });

  it('a kind without a maximum age is kept', async () => {
    const old = await seedHistory(db, { runs: 10, at: new Date(Date.now() - 400 * DAY), prefix: 'kept' });
    const pruner = createPruner({ pool: db, logger, policy: { maxAgeMs: { audit: 30 * DAY }, intervalMs: 60_000, batchSize: 100 } });
    await pruner.pruneOnce();
    expect(await countHistory(db, old)).toEqual({ runs: 10, screenshots: 10, healing: 10, audit: 0 });
  });

  it("purging one job removes its run, screenshots, healing and audit rows and every attempt's DBOS workflow, once", async () => {
    const [mine] = await seedHistory(db, { runs: 1, at: new Date(), prefix: 'mine', state: 'failed' });
    const [other] = await seedHistory(db, { runs: 1, at: new Date(), prefix: 'other', state: 'failed' });
    const myWorkflows = [workflowIdFor(mine!, 1), workflowIdFor(mine!, 3)];
    const otherWorkflows = [workflowIdFor(other!, 1)];
    for (const id of [...myWorkflows, ...otherWorkflows]) await runWorkflow(id);

    expect(await purgeJobRows(db, { uid: mine!, maxAttempts: 1 })).toEqual({ workflows: 2, runs: 1, healing: 1, audit: 1 });
    expect(await countHistory(db, [mine!])).toEqual({ runs: 0, screenshots: 0, healing: 0, audit: 0 });
    expect(await dbosRows(myWorkflows)).toEqual({ workflow_status: 0, operation_outputs: 0, workflow_input: 0, workflow_output: 0 });
    expect(await countHistory(db, [other!])).toEqual({ runs: 1, screenshots: 1, healing: 1, audit: 1 });
    expect((await dbosRows(otherWorkflows)).workflow_status).toBe(1);
    // Idempotent: the finalizer may run it again after a crash.
    expect(await purgeJobRows(db, { uid: mine!, maxAttempts: 1 })).toEqual({ workflows: 0, runs: 0, healing: 0, audit: 0 });
  });
});
