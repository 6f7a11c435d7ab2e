// Tenancy in PostgreSQL against a real server: a robot namespace's role (as the operator provisions it)
// sees only its namespace's rows, cannot add or touch another namespace's graphile jobs, cannot read its
// DBOS checkpoints and cannot change the schema — while the robot's queue consumer works with it. Each hole
// is first shown on the shared owner URL, which is what every robot namespace got before (a copy of it).
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../log.js';
import { testPayload } from '../queue/fixtures.js';
import { jobKey, taskIdentifier } from '../queue/identifiers.js';
import type { Producer } from '../queue/producer.js';
import { migratedQueueDatabase } from '../queue/testing/database.js';
import { startConsumer, type Consumer } from '../../robot-image/src/queue/consumer.js';
import { provisionTenant, tenantNames, TenantRoleConflictError, type ProvisionedTenant } from './index.js';

const logger = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let url: string;
let owner: pg.Pool;
let producer: Producer;
let a: ProvisionedTenant;
let b: ProvisionedTenant;
let asA: pg.Pool;
const prefix = `t${randomBytes(4).toString('hex')}`;
const consumers: Consumer[] = [];

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The SQL error of a statement, or 'ok'. */
async function attempt(db: pg.Pool, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

beforeAll(async () => {
  ({ url, pool: owner, producer } = await migratedQueueDatabase('tenancy'));
  a = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-a', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
  b = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-b', password: randomBytes(24).toString('base64url'), rolePrefix: prefix });
  asA = new pg.Pool({ connectionString: a.url, max: 2 });
  for (const ns of ['team-a', 'team-b']) {
    for (let i = 0; i < 2; i++) await producer.enqueue({ payload: testPayload({ namespace: ns, pool: 'idle' }) });
    await owner.query(`insert into aether.robots (id, namespace, pool, lease_seconds) values ($1, $2, 'idle', 5)`, [`r-${ns}`, ns]);
    await owner.query(
      `insert into aether.healing_events (workflow_namespace, workflow_name, step_id, tier, outcome) values ($1, 'wf', 's', 'css', 'healed')`,
      [ns],
    );
    await owner.query(`insert into aether.audit_log (actor, action, namespace) values ('operator', 'run.cancelled', $1)`, [ns]);
  }
  // A DBOS checkpoint of team-b (a workflow row in its schema).
  await owner.query(
    `insert into ${pg.escapeIdentifier(b.names.dbosSchema)}.workflow_status (workflow_uuid, status, name) values ('rpa-secret-b', 'SUCCESS', 'run')`,
  );
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop({ deadlineMs: 0 })));
  await asA?.end();
  // Roles are the cluster's, not the database's: leave none behind.
  for (const t of [a, b]) if (t) await owner.query(`drop owned by ${pg.escapeIdentifier(t.names.role)}; drop role ${pg.escapeIdentifier(t.names.role)}`);
  await owner?.end();
});

describe('tenancy: a robot namespace role', () => {
  it('sees only its namespace rows in every aether table (the shared URL saw every namespace)', async () => {
    const distinct = (db: pg.Pool, sql: string) => db.query<{ ns: string }>(sql).then((r) => r.rows.map((x) => x.ns).sort());
    // The hole: the shared URL robots used to get reads every namespace.
    expect(await distinct(owner, 'select distinct namespace as ns from aether.runs')).toEqual(['team-a', 'team-b']);
    expect(await distinct(asA, 'select distinct namespace as ns from aether.runs')).toEqual(['team-a']);
    expect(await distinct(asA, 'select distinct namespace as ns from aether.robots')).toEqual(['team-a']);
    expect(await distinct(asA, 'select distinct workflow_namespace as ns from aether.healing_events')).toEqual(['team-a']);
    // Payloads: only its own jobs' rows in graphile's table.
    const tasks = await asA.query<{ identifier: string }>(
      `select distinct t.identifier from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id`,
    );
    expect(tasks.rows.map((r) => r.identifier)).toEqual([taskIdentifier('team-a', 'idle')]);
    expect(await attempt(asA, 'select count(*) from graphile_worker.jobs')).toMatch(/permission denied/);
    expect(await attempt(asA, 'select count(*) from aether.audit_log')).toMatch(/permission denied/);
    expect(await attempt(asA, 'select count(*) from aether.tenant_roles')).toMatch(/permission denied/);
  });

  it("cannot write another namespace's rows", async () => {
    const bRun = (await owner.query<{ uid: string }>(`select uid::text from aether.runs where namespace = 'team-b' limit 1`)).rows[0]!.uid;
    const upd = await asA.query(`update aether.runs set state = 'cancelled' where uid = $1`, [bRun]);
    expect(upd.rowCount).toBe(0);
    expect(await attempt(asA, `update aether.runs set namespace = 'team-b' where namespace = 'team-a'`)).toMatch(/row-level security/);
    expect(await attempt(asA, `insert into aether.robots (id, namespace, pool, lease_seconds) values ('x', 'team-b', 'p', 5)`)).toMatch(/row-level security/);
    expect(await attempt(asA, `insert into aether.audit_log (actor, action, namespace) values ('robot', 'x', 'team-b')`)).toMatch(/row-level security/);
    // Its own audit rows carry its namespace without saying so.
    expect(await attempt(asA, `insert into aether.audit_log (actor, action) values ('robot', 'egress.refused')`)).toBe('ok');
    const mine = await owner.query(`select namespace from aether.audit_log where action = 'egress.refused'`);
    expect(mine.rows).toEqual([{ namespace: 'team-a' }]);
    expect(await attempt(asA, `insert into aether.screenshots (run_uid, step_id, image) values ($1, 's', '\\x00')`, [bRun])).toMatch(/row-level security/);
  });

  it("cannot add, take or remove a graphile job of another namespace's task (the shared URL could)", async () => {
    const other = taskIdentifier('team-b', 'idle');
    const addJob = `select graphile_worker.add_job($1::text, '{}'::json, job_key => $2::text)`;
    // The hole, on the shared URL:
    expect(await attempt(owner, addJob, [other, 'hole-demo'])).toBe('ok');
    expect((await owner.query(`select 1 from graphile_worker.jobs where key = 'hole-demo'`)).rowCount).toBe(1);
    await owner.query(`select graphile_worker.remove_job('hole-demo')`);

    expect(await attempt(asA, addJob, [other, 'evil'])).toMatch(/row-level security/);
    expect(await attempt(asA, addJob, ['rpa.run.team-b.new-pool', 'evil2'])).toMatch(/row-level security/);
    expect(await attempt(asA, `insert into graphile_worker._private_jobs (task_id, payload) select id, '{}' from graphile_worker._private_tasks`)).toBe('ok'); // only its own tasks are visible
    const bJobs = (await owner.query<{ key: string }>(`select key from graphile_worker.jobs where task_identifier = $1 and key is not null`, [other])).rows;
    expect(bJobs.length).toBe(2);
    // Its own key space does not reach into another namespace's: the job of team-b under this key stays.
    expect(await attempt(asA, addJob, [taskIdentifier('team-a', 'idle'), bJobs[0]!.key])).toMatch(/row-level security|duplicate/);
    expect((await asA.query(`delete from graphile_worker._private_jobs where key = $1`, [bJobs[0]!.key])).rowCount).toBe(0);
    await asA.query(`select graphile_worker.remove_job($1)`, [bJobs[1]!.key]);
    expect((await owner.query(`select count(*)::int as n from graphile_worker.jobs where task_identifier = $1 and key is not null`, [other])).rows[0].n).toBe(2);
  });

  it("cannot read another namespace's DBOS checkpoints", async () => {
    const bTable = `${pg.escapeIdentifier(b.names.dbosSchema)}.workflow_status`;
    expect((await owner.query(`select workflow_uuid from ${bTable}`)).rows).toEqual([{ workflow_uuid: 'rpa-secret-b' }]);
    expect(await attempt(asA, `select workflow_uuid from ${bTable}`)).toMatch(/permission denied/);
    expect(await attempt(asA, `select count(*) from ${pg.escapeIdentifier(a.names.dbosSchema)}.workflow_status`)).toBe('ok');
  });

  it('has no DDL: no table, schema, function or ownership', async () => {
    // The hole: the shared URL is the owner.
    expect(await attempt(owner, 'create table aether.hole_demo (x int)')).toBe('ok');
    await owner.query('drop table aether.hole_demo');
    for (const sql of [
      'create table aether.x (id int)',
      'create table public.x (id int)',
      'create table graphile_worker.x (id int)',
      `create table ${pg.escapeIdentifier(a.names.dbosSchema)}.x (id int)`,
      'create schema evil',
      'alter table aether.runs disable row level security',
      'drop policy tenant_rows on aether.runs',
      'truncate aether.runs',
      `create function aether.f() returns int language sql as 'select 1'`,
      `create trigger t before insert on aether.runs for each row execute function aether.tenant_namespace()`,
    ])
      expect([sql, await attempt(asA, sql)]).toEqual([sql, expect.stringMatching(/permission denied|must be owner/)]);
  });

  it("reads graphile-worker's cron table (its runner's cron loop starts there) and sees none of its rows", async () => {
    await owner.query(
      `insert into graphile_worker._private_known_crontabs (identifier, known_since) values ('operator-only-cron', now()) on conflict do nothing`,
    );
    expect((await owner.query('select identifier from graphile_worker._private_known_crontabs')).rows).toContainEqual({ identifier: 'operator-only-cron' });
    // Before migration 0010: "permission denied for table _private_known_crontabs", retried for as long as the robot ran.
    expect((await asA.query('select identifier from graphile_worker._private_known_crontabs')).rows).toEqual([]);
    expect(await attempt(asA, `insert into graphile_worker._private_known_crontabs (identifier, known_since) values ('x', now())`)).toMatch(/permission denied/);
  });

  it("runs its namespace's jobs through the robot's queue consumer, retries included, and never another's", async () => {
    const seen: string[] = [];
    let failOnce = true;
    // Every line the consumer logs at warn or above (graphile-worker's included).
    const complaints: string[] = [];
    const c = await startConsumer({
      databaseUrl: a.url,
      robotId: `robot-a-${randomBytes(3).toString('hex')}`,
      namespace: 'team-a',
      pool: 'web',
      logger: createLogger({
        name: 'tenant-robot',
        level: 'warn',
        destination: new Writable({
          write: (chunk: Buffer, _e, cb) => {
            complaints.push(chunk.toString());
            cb();
          },
        }),
      }),
      backoff: { baseMs: 0, factor: 1, maxMs: 0, jitter: 0 },
      pollIntervalMs: 100,
      handler: async (ctx) => {
        seen.push(ctx.runUid);
        if (failOnce) {
          failOnce = false;
          return { status: 'failed', error: { message: 'first try fails' }, retryable: true };
        }
        return { status: 'succeeded', outputs: { ok: true } };
      },
    });
    consumers.push(c);
    const mine = testPayload({ namespace: 'team-a', pool: 'web', maxAttempts: 3 });
    await producer.enqueue({ payload: mine });
    const run = await waitFor('the run to succeed', async () => {
      const r = await producer.getRun(mine.uid);
      return r?.state === 'succeeded' && r;
    });
    expect(run).toMatchObject({ failedAttempts: 1, outputs: { ok: true }, robot: c.robotId });
    // graphile-worker completes jobs in batches (completeJobBatchDelay): the queue entry goes a moment after the run row.
    await waitFor('the queue entry completed', async () => (await owner.query('select 1 from graphile_worker.jobs where key = $1', [jobKey(mine.uid)])).rowCount === 0);
    const robot = await owner.query(`select namespace, state from aether.robots where id = $1`, [c.robotId]);
    expect(robot.rows).toEqual([{ namespace: 'team-a', state: 'alive' }]);
    expect(seen).toEqual([mine.uid, mine.uid]);
    // graphile-worker's cron loop ran its first read as this role (it starts with the runner) and did not fail.
    expect(complaints.filter((l) => /permission denied|Cron hit an error/.test(l))).toEqual([]);
  });

  it("cannot stop another namespace's running job with a forged NOTIFY (the robot checks the run row)", async () => {
    const stopped: string[] = [];
    const c = await startConsumer({
      databaseUrl: b.url,
      robotId: `robot-b-${randomBytes(3).toString('hex')}`,
      namespace: 'team-b',
      pool: 'slow',
      logger,
      handler: (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            stopped.push(String(ctx.signal.reason));
            resolve({ status: 'cancelled' });
          });
        }),
    });
    consumers.push(c);
    const victim = testPayload({ namespace: 'team-b', pool: 'slow' });
    await producer.enqueue({ payload: victim });
    await waitFor('the job to be held', async () => (await owner.query('select 1 from graphile_worker.jobs where key = $1 and locked_at is not null', [jobKey(victim.uid)])).rowCount === 1);
    await new Promise((r) => setTimeout(r, 300)); // the handler is running
    await asA.query(`select pg_notify('aether_cancel', $1)`, [victim.uid]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(stopped).toEqual([]);
    expect((await producer.getRun(victim.uid))?.state).not.toBe('cancelled');
    // A real cancel still stops it.
    expect(await producer.cancel(victim.uid)).toBe('requested');
    await waitFor('the real cancel', async () => (await producer.getRun(victim.uid))?.state === 'cancelled');
    expect(stopped).toEqual(['cancelled']);
  });

  it('is refused for a role name some other party already owns, and provisioning again changes nothing', async () => {
    const again = await provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-a', password: new URL(a.url).password, rolePrefix: prefix });
    expect(again).toMatchObject({ created: false, passwordSet: false });
    const squatter = tenantNames('team-c', { rolePrefix: prefix }).role;
    await owner.query(`create role ${pg.escapeIdentifier(squatter)}`);
    await expect(provisionTenant({ pool: owner, databaseUrl: url, namespace: 'team-c', password: 'x'.repeat(20), rolePrefix: prefix })).rejects.toThrow(
      TenantRoleConflictError,
    );
    await owner.query(`drop role ${pg.escapeIdentifier(squatter)}`);
  });
});
