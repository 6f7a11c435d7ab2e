import pg from 'pg';
import { testPayload } from './fixtures.js';
import { ENQUEUE_CHANNEL, jobKey, taskIdentifier } from './identifiers.js';
import { InvalidPayloadError } from './payload.js';
import type { Producer } from './producer.js';
import { migratedQueueDatabase } from './testing/database.js';

let url: string;
let pool: pg.Pool;
let producer: Producer;

beforeAll(async () => {
  ({ url, pool, producer } = await migratedQueueDatabase('prod'));
});
afterAll(async () => {
  await pool.end();
});

async function jobsFor(uid: string) {
  const r = await pool.query<{ task_identifier: string; priority: number; max_attempts: number; locked_at: Date | null }>(
    'select task_identifier, priority, max_attempts, locked_at from graphile_worker.jobs where key = $1',
    [jobKey(uid)],
  );
  return r.rows;
}

describe('producer', () => {
  it('enqueues a run and one job; enqueueing the same UID again is a no-op, also while the job is held', async () => {
    const p = testPayload({ namespace: 'ns1', pool: 'web', priority: 'high', maxAttempts: 4 });
    expect(await producer.enqueue({ payload: p })).toEqual({ uid: p.uid, enqueued: true });
    expect(await producer.enqueue({ payload: p })).toEqual({ uid: p.uid, enqueued: false });
    const jobs = await jobsFor(p.uid);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ task_identifier: 'rpa.run.ns1.web', priority: -100, max_attempts: 32767 });

    // A robot holds the job now: graphile's add_job would queue a second job for a locked key; ours must not.
    await pool.query(`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-x' where key = $1`, [jobKey(p.uid)]);
    expect(await producer.enqueue({ payload: p })).toEqual({ uid: p.uid, enqueued: false });
    const all = await pool.query('select count(*)::int as n from graphile_worker.jobs where task_identifier = $1', ['rpa.run.ns1.web']);
    expect(all.rows[0].n).toBe(1);

    const run = await producer.getRun(p.uid);
    expect(run).toMatchObject({ uid: p.uid, namespace: 'ns1', pool: 'web', state: 'queued', maxAttempts: 4, failedAttempts: 0, priority: -100 });
  });

  it('bulk-enqueues in one call, skipping UIDs already queued and repeats within the call', async () => {
    const payloads = Array.from({ length: 300 }, () => testPayload({ namespace: 'bulk', pool: 'p' }));
    const again = payloads[0]!;
    await producer.enqueue({ payload: again });
    const results = await producer.enqueueMany([...payloads, payloads[1]!].map((payload) => ({ payload })));
    expect(results).toHaveLength(301);
    expect(results.filter((r) => r.enqueued)).toHaveLength(299);
    expect(results[0]).toEqual({ uid: again.uid, enqueued: false });
    expect(results[300]).toEqual({ uid: payloads[1]!.uid, enqueued: false });
    const n = await pool.query(`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'rpa.run.bulk.p'`);
    expect(n.rows[0].n).toBe(300);
    const runs = await pool.query(`select count(*)::int as n from aether.runs where namespace = 'bulk'`);
    expect(runs.rows[0].n).toBe(300);
  });

  it('rejects an invalid payload before touching the database, naming the field', async () => {
    const bad = { ...testPayload({ namespace: 'bad' }), credentials: { login: { secretName: 'creds', value: 'hunter2' } } };
    await expect(producer.enqueue({ payload: bad as never })).rejects.toThrow(InvalidPayloadError);
    await expect(producer.enqueue({ payload: testPayload({ namespace: 'Not_A_Label' }) })).rejects.toThrow(/namespace/);
    const n = await pool.query(`select count(*)::int as n from aether.runs where namespace = 'bad'`);
    expect(n.rows[0].n).toBe(0);
  });

  it('cancels a queued job: the job is removed and the run cancelled', async () => {
    const p = testPayload({ namespace: 'cancel', pool: 'p' });
    await producer.enqueue({ payload: p });
    expect(await producer.cancel(p.uid)).toBe('cancelled');
    expect(await jobsFor(p.uid)).toHaveLength(0);
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'cancelled', cancelRequested: true });
    expect(await producer.cancel(p.uid)).toBe('finished');
    const audit = await pool.query(`select action from aether.audit_log where run_uid = $1`, [p.uid]);
    expect(audit.rows.map((r) => r.action)).toEqual(['run.cancelled']);
  });

  it('flags a held job for cancel and notifies the robot instead of removing it', async () => {
    const p = testPayload({ namespace: 'cancel', pool: 'held' });
    await producer.enqueue({ payload: p });
    await pool.query(`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-y' where key = $1`, [jobKey(p.uid)]);
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const got = new Promise<string>((resolve) => listener.on('notification', (m) => resolve(m.payload ?? '')));
    await listener.query('LISTEN aether_cancel');
    try {
      expect(await producer.cancel(p.uid)).toBe('requested');
      expect(await got).toBe(p.uid);
      expect(await jobsFor(p.uid)).toHaveLength(1);
      expect(await producer.getRun(p.uid)).toMatchObject({ state: 'queued', cancelRequested: true });
    } finally {
      await listener.end();
    }
  });

  it('notifies the pool on enqueue', async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const got: string[] = [];
    listener.on('notification', (m) => got.push(m.payload ?? ''));
    await listener.query(`LISTEN ${ENQUEUE_CHANNEL}`);
    try {
      await producer.enqueueMany([
        { payload: testPayload({ namespace: 'note', pool: 'a' }) },
        { payload: testPayload({ namespace: 'note', pool: 'a' }) },
        { payload: testPayload({ namespace: 'note', pool: 'b' }) },
      ]);
      for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got.sort()).toEqual(['note/a', 'note/b']);
    } finally {
      await listener.end();
    }
  });

  it('reports depth per pool: ready, delayed and running', async () => {
    const ns = 'depth';
    const later = new Date(Date.now() + 3600_000);
    await producer.enqueueMany([
      ...Array.from({ length: 5 }, () => ({ payload: testPayload({ namespace: ns, pool: 'a' }) })),
      ...Array.from({ length: 3 }, () => ({ payload: testPayload({ namespace: ns, pool: 'a' }), runAt: later })),
      ...Array.from({ length: 2 }, () => ({ payload: testPayload({ namespace: ns, pool: 'b' }) })),
    ]);
    expect(await producer.depth(ns, 'a')).toEqual({ ready: 5, delayed: 3, running: 0 });
    expect(await producer.depth(ns, 'b')).toEqual({ ready: 2, delayed: 0, running: 0 });
    expect(await producer.depth(ns, 'none')).toEqual({ ready: 0, delayed: 0, running: 0 });
    // The delayed jobs carry their run_at in graphile too.
    const j = await pool.query(`select count(*)::int as n from graphile_worker.jobs where task_identifier = $1 and run_at > now()`, [
      taskIdentifier(ns, 'a'),
    ]);
    expect(j.rows[0].n).toBe(3);
  });

  it('answers depth from the partial index, not a scan of the runs', async () => {
    const client = await pool.connect();
    try {
      // Tiny tables are cheaper to scan; forbid that to see that the index can answer the depth query.
      await client.query('set enable_seqscan = off');
      const plan = await client.query(
        `explain select count(*) from aether.runs where namespace = 'depth' and pool = 'a' and state in ('queued', 'running')`,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/runs_live_by_pool/);
    } finally {
      client.release();
    }
  });
});
